import { describe, expect, it } from 'vitest';
import { buildOpenApiDocument, printGraphqlSchema } from '../../src/common/http/api-contracts.js';
import { createNamespace, createSecret, secretsPath } from '../factories/index.js';
import { useBroker, withBroker } from '../support/use-broker.js';

describe('API documents with API_DOCS=true', () => {
  const broker = useBroker({ API_DOCS: 'true' });

  it('serves the OpenAPI document at /openapi.json without a token', async () => {
    const response = await broker.http().get('/openapi.json').expect(200);
    expect(response.headers['content-type']).toContain('application/json');
    expect(response.body).toEqual(JSON.parse(JSON.stringify(buildOpenApiDocument(broker.app))));
    expect(response.body.openapi).toMatch(/^3\.0\./);
  });

  it('renders it with Swagger UI at /docs without a token', async () => {
    const page = await broker.http().get('/docs').expect(200);
    expect(page.headers['content-type']).toContain('text/html');
    expect(page.text).toContain('swagger-ui');
    const init = await broker.http().get('/docs/swagger-ui-init.js').expect(200);
    expect(init.text).toContain('"openapi"');
    await broker.http().get('/docs/swagger-ui-bundle.js').expect(200);
  });

  it('describes POST /graphql, linking the SDL it serves at /schema.graphql', async () => {
    const document = buildOpenApiDocument(broker.app);
    const operation = document.paths['/graphql'].post;
    expect(operation?.description).toContain('/schema.graphql');
    expect(operation?.externalDocs?.url).toBe('/schema.graphql');
    const sdl = await broker.http().get('/schema.graphql').expect(200);
    expect(sdl.headers['content-type']).toContain('text/plain');
    expect(sdl.text).toBe(printGraphqlSchema(broker.app));
  });

  it('lists the headers of every response', async () => {
    const document = buildOpenApiDocument(broker.app);
    const missing: string[] = [];
    for (const [path, item] of Object.entries(document.paths)) {
      for (const [method, operation] of Object.entries(item)) {
        const responses = (operation as { responses?: Record<string, { headers?: Record<string, unknown> }> })
          .responses;
        for (const [status, response] of Object.entries(responses ?? {})) {
          const headers = Object.keys(response.headers ?? {});
          const expected = [
            ...(status === '431' ? [] : ['X-Request-Id']),
            ...(status === '401' ? ['WWW-Authenticate'] : []),
            ...(status === '429' ? ['Retry-After'] : []),
          ];
          for (const name of expected) if (!headers.includes(name)) missing.push(`${method} ${path} ${status} ${name}`);
        }
      }
    }
    expect(missing).toEqual([]);
    const request = document.paths['/v1/namespaces/{namespace}/secrets/{name}/request'].post?.responses['200'];
    expect(Object.keys((request as { headers: object }).headers).sort()).toEqual([
      'Cache-Control',
      'ETag',
      'X-Request-Id',
    ]);
  });

  it('leaves the API itself behind authentication', async () => {
    await broker.http().get('/v1/whoami').expect(401);
  });
});

describe('API documents by default', () => {
  it('are not served: 404 problem+json', async () => {
    await withBroker({}, async (broker) => {
      expect(broker.config.apiDocs).toBe(false);
      for (const path of ['/openapi.json', '/docs', '/docs/swagger-ui-init.js']) {
        const response = await broker.http().get(path).expect(404);
        expect(response.headers['content-type']).toContain('application/problem+json');
      }
    });
  });
});

describe('what the document promises about bodies', () => {
  const broker = useBroker();

  it('request and rotate take no body at all', async () => {
    const namespace = await createNamespace(broker);
    const { secret } = await createSecret(broker, namespace);
    const values = await broker
      .as('admin')
      .post(`${secretsPath(namespace, secret.name)}/request`)
      .expect(200);
    expect(values.body.values.map((value: { key: string }) => value.key)).toEqual(['password']);
    const rotated = await broker
      .as('admin')
      .post(`${secretsPath(namespace, secret.name)}/rotate`)
      .expect(200);
    expect(rotated.body.version.version).toBe(2);
  });

  it('answers 415 problem+json to a body that is not JSON', async () => {
    const namespace = await createNamespace(broker);
    const response = await broker
      .as('admin')
      .post(secretsPath(namespace))
      .set('Content-Type', 'application/xml')
      .send('<secret name="db-main"/>')
      .expect(415);
    expect(response.headers['content-type']).toContain('application/problem+json');
    expect(response.body).toMatchObject({ status: 415, title: 'Unsupported Media Type' });
  });
});
