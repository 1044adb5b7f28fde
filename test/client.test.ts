import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import openapiTS, { astToString } from 'openapi-typescript';
import ts from 'typescript';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBrokerClient } from '../clients/typescript/index.js';
import { requestCredentials } from '../clients/typescript/example.js';
import { createNamespace } from './factories/index.js';
import { startBroker, type TestBroker } from './support/broker.js';
import { tokenFor } from './support/tokens.js';
import { withBroker } from './support/use-broker.js';

const CLIENT_DIRECTORY = 'clients/typescript';
// Inside the repository, so the plain calls resolve openapi-fetch from its node_modules.
const SCRATCH_PARENT = join('node_modules', '.cache');

/** The calls a new user writes first, with nothing but what the README and the document say. */
const PLAIN_CALLS = `import createClient from 'openapi-fetch';
import type { paths } from './schema.js';

const client = createClient<paths>({ baseUrl: 'http://127.0.0.1:8080' });
const secret = { path: { namespace: 'team-a', name: 'db-main' } };

export async function plainCalls(): Promise<number[]> {
  const created = await client.POST('/v1/namespaces/{namespace}/secrets', {
    params: { path: { namespace: 'team-a' } },
    body: { name: 'db-main', data: { password: 'first' } },
  });
  const updated = await client.PUT('/v1/namespaces/{namespace}/secrets/{name}', {
    params: secret,
    body: { data: { password: 'chosen-by-hand' } },
  });
  const rotated = await client.POST('/v1/namespaces/{namespace}/secrets/{name}/rotate', {
    params: secret,
    body: { reason: 'scheduled' },
  });
  const requested = await client.POST('/v1/namespaces/{namespace}/secrets/{name}/request', {
    params: secret,
    body: { keys: ['password'] },
  });
  const granted = await client.POST('/v1/grants', {
    body: { subject: 'user:alice', role: 'reader', namespace: 'team-a' },
  });
  return [created, updated, rotated, requested, granted].map((answer) => answer.response.status);
}
`;

describe('the generated TypeScript client', () => {
  it('compiles with tsc --strict', () => {
    const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
    const project = join(CLIENT_DIRECTORY, 'tsconfig.json');
    expect(() =>
      execFileSync(process.execPath, [tsc, '-p', project, '--strict', '--noEmit'], { stdio: 'pipe' }),
    ).not.toThrow();
  }, 120_000);

  it("generated from /openapi.json with openapi-typescript's defaults, compiles plain calls with tsc --strict", async () => {
    const document = await withBroker({ API_DOCS: 'true' }, async (broker) => {
      const response = await broker.http().get('/openapi.json').expect(200);
      return JSON.stringify(response.body);
    });
    mkdirSync(SCRATCH_PARENT, { recursive: true });
    const directory = mkdtempSync(join(SCRATCH_PARENT, 'default-client-'));
    try {
      writeFileSync(join(directory, 'schema.d.ts'), astToString(await openapiTS(document)));
      writeFileSync(join(directory, 'plain-calls.ts'), PLAIN_CALLS);
      expect(assertionsIn(join(directory, 'plain-calls.ts'))).toEqual([]);
      const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
      const options = ['--ignoreConfig', '--strict', '--noEmit', '--module', 'nodenext', '--target', 'es2023'];
      const compiled = spawnSync(
        process.execPath,
        [tsc, ...options, '--types', 'node', join(directory, 'plain-calls.ts')],
        {
          encoding: 'utf8',
        },
      );
      expect(compiled.stdout).toBe('');
      expect(compiled.status).toBe(0);
    } finally {
      rmSync(directory, { recursive: true, force: true });
    }
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
