import responseValidator from 'openapi-response-validator';
import type { Response } from 'supertest';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildOpenApiDocument } from '../../src/common/http/api-contracts.js';
import { createNamespace, secretsPath } from '../factories/index.js';
import { untilSecretsCacheWatching } from '../support/secrets-cache.js';
import { useBroker } from '../support/use-broker.js';

// A CommonJS module whose `default` export is the class: Node's ESM import gives `module.exports`,
// Vite's interop (in vitest) the class itself.
const OpenAPIResponseValidator: typeof responseValidator.default =
  typeof responseValidator === 'function' ? responseValidator : responseValidator.default;

type Method = 'get' | 'post' | 'put' | 'delete';

type ValidatorArgs = ConstructorParameters<typeof OpenAPIResponseValidator>[0];

/** What the checks read of the served document. */
interface Document {
  readonly paths: Record<string, Partial<Record<Method, { responses: ValidatorArgs['responses'] }>>>;
  readonly components: ValidatorArgs['components'];
}

describe('responses match the OpenAPI document', () => {
  const broker = useBroker({ API_DOCS: 'true' });
  let document: Document;
  beforeAll(async () => {
    document = (await broker.http().get('/openapi.json').expect(200)).body;
    expect(document).toEqual(JSON.parse(JSON.stringify(buildOpenApiDocument(broker.app))));
  });

  /** The response's status is declared for the operation, and its body fits the declared schema. */
  const conforms = (method: Method, path: string, response: Response): Response => {
    const operation = document.paths[path]?.[method];
    const where = `${method.toUpperCase()} ${path} → ${response.status}`;
    expect(operation, where).toBeDefined();
    expect(Object.keys(operation?.responses ?? {}), where).toContain(String(response.status));
    const validator = new OpenAPIResponseValidator({
      responses: operation?.responses ?? {},
      components: document.components,
    });
    expect(validator.validateResponse(String(response.status), response.body), where).toBeUndefined();
    return response;
  };

  it('for the secret lifecycle, its successes and its problems', async () => {
    const namespace = await createNamespace(broker);
    const admin = () => broker.as('admin');
    const list = '/v1/namespaces/{namespace}/secrets';
    const one = `${list}/{name}`;
    const path = (suffix = '') => `${secretsPath(namespace, 'db-main')}${suffix}`;
    const body = { name: 'db-main', data: { username: 'app' }, generate: { password: { type: 'password' } } };

    conforms('post', list, await admin().post(secretsPath(namespace)).send(body));
    conforms('post', list, await admin().post(secretsPath(namespace)).send(body));
    conforms('post', list, await admin().post(secretsPath(namespace)).send({ name: 'empty' }));
    conforms('post', list, await admin().post(secretsPath(namespace)).send({ name: 'Bad Name!' }));
    conforms('get', list, await admin().get(secretsPath(namespace)).query({ limit: 1 }));
    conforms('get', one, await admin().get(path()));
    conforms('post', `${one}/request`, await admin().post(path('/request')));
    conforms(
      'post',
      `${one}/request`,
      await admin()
        .post(path('/request'))
        .send({ keys: ['nope'] }),
    );
    conforms('post', `${one}/request`, await broker.as('stranger').post(path('/request')));
    conforms('post', `${one}/request`, await broker.http().post(path('/request')));
    conforms(
      'put',
      one,
      await admin()
        .put(path())
        .set('If-Match', '"7"')
        .send({ data: { username: 'x' } }),
    );
    conforms(
      'put',
      one,
      await admin()
        .put(path())
        .send({ data: { username: 'app2', password: 'p' } }),
    );
    conforms(
      'post',
      `${one}/rotate`,
      await admin()
        .post(path('/rotate'))
        .send({ keys: ['password'] }),
    );
    conforms('post', `${one}/rollback`, await admin().post(path('/rollback')).send({ version: 1 }));
    conforms('get', `${one}/versions`, await admin().get(path('/versions')));
    conforms('get', `${one}/consumers`, await admin().get(path('/consumers')));
    conforms('post', `${one}/revoke`, await admin().post(path('/revoke')).send({ reason: 'leaked' }));
    conforms('post', `${one}/request`, await admin().post(path('/request')));
    conforms('get', one, await admin().get(secretsPath(namespace, 'missing')));
  });

  it('for grants, roles, reviews, audit and the probes', async () => {
    const admin = () => broker.as('admin');
    conforms('get', '/v1/whoami', await admin().get('/v1/whoami'));
    const role = conforms(
      'post',
      '/v1/roles',
      await admin()
        .post('/v1/roles')
        .send({ name: 'peeker', verbs: ['list'] }),
    );
    conforms(
      'post',
      '/v1/roles',
      await admin()
        .post('/v1/roles')
        .send({ name: 'peeker', verbs: ['list'] }),
    );
    conforms('get', '/v1/roles', await admin().get('/v1/roles'));
    const grant = conforms(
      'post',
      '/v1/grants',
      await admin().post('/v1/grants').send({ subject: 'user:alice', role: role.body.name, namespace: 'team-a' }),
    );
    conforms('get', '/v1/grants', await admin().get('/v1/grants').query({ subject: 'user:alice' }));
    conforms('get', '/v1/grants/{id}', await admin().get(`/v1/grants/${grant.body.id}`));
    conforms('delete', '/v1/roles/{name}', await admin().delete('/v1/roles/peeker'));
    const review = { subject: 'user:alice', verb: 'list', namespace: 'team-a', name: 'db-main' };
    conforms('post', '/v1/access-reviews', await admin().post('/v1/access-reviews').send(review));
    conforms('delete', '/v1/grants/{id}', await admin().delete(`/v1/grants/${grant.body.id}`));
    conforms('get', '/v1/grants/{id}', await admin().get(`/v1/grants/${grant.body.id}`));
    conforms('delete', '/v1/roles/{name}', await admin().delete('/v1/roles/peeker'));
    conforms('get', '/v1/audit-events', await admin().get('/v1/audit-events').query({ limit: 5 }));
    conforms('get', '/v1/audit-events', await admin().get('/v1/audit-events').query({ first: 5 }));
    conforms('get', '/v1/audit-events/verify', await admin().get('/v1/audit-events/verify'));
    conforms('get', '/healthz', await broker.http().get('/healthz'));
    await untilSecretsCacheWatching(broker);
    conforms('get', '/readyz', await broker.http().get('/readyz'));
  });
});
