import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import openapiTS, { astToString } from 'openapi-typescript';
import { describe, expect, it } from 'vitest';
import { withBroker } from '../support/use-broker.js';
import { assertionsIn } from '../support/type-assertions.js';

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

describe('a client generated with openapi-typescript defaults', () => {
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
});
