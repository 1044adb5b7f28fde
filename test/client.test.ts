import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import ts from 'typescript';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBrokerClient } from '../clients/typescript/index.js';
import { requestCredentials } from '../clients/typescript/example.js';
import { createNamespace } from './factories/index.js';
import { startBroker, type TestBroker } from './support/broker.js';
import { tokenFor } from './support/tokens.js';

const CLIENT_DIRECTORY = 'clients/typescript';

describe('the generated TypeScript client', () => {
  it('compiles with tsc --strict', () => {
    const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
    const project = join(CLIENT_DIRECTORY, 'tsconfig.json');
    expect(() =>
      execFileSync(process.execPath, [tsc, '-p', project, '--strict', '--noEmit'], { stdio: 'pipe' }),
    ).not.toThrow();
  }, 120_000);

  it('needs no type assertions, in the client or in this test', () => {
    const sources = readdirSync(CLIENT_DIRECTORY)
      .filter((file) => file.endsWith('.ts') && !file.endsWith('.d.ts'))
      .map((file) => join(CLIENT_DIRECTORY, file));
    expect(sources).toEqual(expect.arrayContaining([join(CLIENT_DIRECTORY, 'example.ts')]));
    for (const file of [...sources, 'test/client.test.ts']) expect(assertionsIn(file), file).toEqual([]);
  });

  describe('against a live broker', () => {
    let broker: TestBroker;
    let baseUrl: string;
    beforeAll(async () => {
      broker = await startBroker();
      await broker.app.listen(0, '127.0.0.1');
      baseUrl = await broker.app.getUrl();
    });
    afterAll(async () => {
      await broker?.close();
    });

    it('creates a secret, and the example requests its credentials at start-up', async () => {
      const namespace = await createNamespace(broker);
      const client = createBrokerClient(baseUrl, tokenFor('admin'));
      const created = await client.POST('/v1/namespaces/{namespace}/secrets', {
        params: { path: { namespace } },
        body: { name: 'app-db', data: { username: 'app', password: 'correct horse battery staple' } },
      });
      expect(created.response.status).toBe(201);
      expect(created.data?.version.version).toBe(1);

      const credentials = await requestCredentials(client, namespace, 'app-db');
      expect([...credentials.keys()]).toEqual(['password', 'username']);
      expect(credentials.get('username')).toBe('app');
    });

    it('sends no body where none is needed, and reads the problem of a refusal', async () => {
      const namespace = await createNamespace(broker);
      const admin = createBrokerClient(baseUrl, tokenFor('admin'));
      await admin.POST('/v1/namespaces/{namespace}/secrets', {
        params: { path: { namespace } },
        body: { name: 'api-key', generate: { key: { type: 'password' } } },
      });
      const rotated = await admin.POST('/v1/namespaces/{namespace}/secrets/{name}/rotate', {
        params: { path: { namespace, name: 'api-key' } },
      });
      expect(rotated.data?.version.version).toBe(2);

      const stranger = createBrokerClient(baseUrl, tokenFor('stranger'));
      await expect(requestCredentials(stranger, namespace, 'api-key')).rejects.toThrow(/^403 Forbidden: /);
      const refused = await stranger.GET('/v1/namespaces/{namespace}/secrets/{name}', {
        params: { path: { namespace, name: 'api-key' } },
      });
      expect(refused.error?.status).toBe(403);
      expect(refused.error?.requestId).toBe(refused.response.headers.get('x-request-id'));
    });
  });
});

/** Every `x as T`, `<T>x` and `x!` in a TypeScript file, by line. */
function assertionsIn(file: string): string[] {
  const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true);
  const found: string[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isAsExpression(node) || ts.isTypeAssertionExpression(node) || ts.isNonNullExpression(node)) {
      found.push(`${source.getLineAndCharacterOfPosition(node.getStart()).line + 1}: ${node.getText()}`);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}
