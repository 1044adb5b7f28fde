import { randomUUID } from 'node:crypto';
import type { OpenAPIObject } from '@nestjs/swagger';
import { describe, expect, it } from 'vitest';
import { buildOpenApiDocument } from '../../src/common/http/api-contracts.js';
import { createNamespace } from '../factories/index.js';
import { captureState, expectUnchanged } from '../support/state.js';
import { useBroker } from '../support/use-broker.js';

const METHODS = ['post', 'put', 'patch', 'delete'] as const;
type Method = (typeof METHODS)[number];

interface BodyRoute {
  readonly method: Method;
  readonly template: string;
  readonly bodyRequired: boolean;
}

/** Every operation of the OpenAPI document that takes a body: routes added later are covered as they come. */
function bodyRoutes(document: OpenAPIObject): BodyRoute[] {
  return Object.entries(document.paths).flatMap(([template, item]) =>
    METHODS.flatMap((method) => {
      const body = item[method]?.requestBody;
      return body && 'content' in body ? [{ method, template, bodyRequired: body.required === true }] : [];
    }),
  );
}

/** The route's path with plausible parameters: a real namespace, valid names, a well-formed id. */
function pathOf(template: string, namespace: string): string {
  return template
    .replace('{namespace}', namespace)
    .replace(/\{id\}/g, randomUUID())
    .replace(/\{[^}]+\}/g, 'no-such-thing');
}

describe('request bodies are JSON, on every route that takes one', () => {
  const broker = useBroker();

  it('answers 415 naming application/json to a body without Content-Type, as text/plain or as a form', async () => {
    const routes = bodyRoutes(buildOpenApiDocument(broker.app));
    expect(routes.length).toBeGreaterThan(8);
    const namespace = await createNamespace(broker);
    const before = await captureState(broker);
    const answers: string[] = [];
    for (const { method, template } of routes) {
      for (const contentType of [undefined, 'text/plain', 'application/x-www-form-urlencoded']) {
        let request = broker.as('admin')[method](pathOf(template, namespace));
        if (contentType) request = request.set('Content-Type', contentType);
        // A Buffer goes as it is, with no Content-Type of its own.
        const response = await request.send(Buffer.from('{"name":"x","reason":"y"}'));
        const problem = response.body as { status?: number; detail?: string };
        const answer = `${method.toUpperCase()} ${template} (${contentType ?? 'no Content-Type'})`;
        answers.push(answer);
        expect(response.status, answer).toBe(415);
        expect(response.headers['content-type'], answer).toContain('application/problem+json');
        expect(problem.status, answer).toBe(415);
        expect(problem.detail, answer).toContain('send application/json');
        expect(problem.detail, answer).toContain(contentType ?? 'without Content-Type');
      }
    }
    expect(answers).toContain('POST /v1/namespaces/{namespace}/secrets (no Content-Type)');
    await expectUnchanged(broker, before);
  });

  it('takes application/json with an empty body as no body where the body is optional', async () => {
    const routes = bodyRoutes(buildOpenApiDocument(broker.app)).filter((route) => !route.bodyRequired);
    expect(routes.length).toBeGreaterThan(1);
    const namespace = await createNamespace(broker);
    for (const { method, template } of routes) {
      const response = await broker
        .as('admin')
        [method](pathOf(template, namespace))
        .set('Content-Type', 'application/json')
        .send('');
      const answer = `${method.toUpperCase()} ${template} → ${response.status} ${JSON.stringify(response.body)}`;
      // The route went on to its own work (a 404 for the made-up name), not a refusal of the body.
      expect([400, 415, 422], answer).not.toContain(response.status);
    }
  });

  it('still refuses an empty application/json body where the body is required', async () => {
    const namespace = await createNamespace(broker);
    const response = await broker
      .as('admin')
      .post(`/v1/namespaces/${namespace}/secrets`)
      .set('Content-Type', 'application/json')
      .send('')
      .expect(400);
    expect(response.body.detail).not.toContain('Empty JSON body');
  });
});
