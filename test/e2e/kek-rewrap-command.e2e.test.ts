import { randomBytes } from 'node:crypto';
import { DataSource } from 'typeorm';
import { beforeAll, describe, expect, it } from 'vitest';
import { kekIdOf } from '../../src/crypto/key-ring.js';
import { createNamespace, createSecret, secretsPath } from '../factories/index.js';
import { ADMIN, type TestBroker } from '../support/broker.js';
import { buildIfStale } from '../support/dev-broker.js';
import { runNpmScript } from '../support/npm-script.js';
import { HS256_SECRET } from '../support/tokens.js';
import { withBroker } from '../support/use-broker.js';

const K1 = randomBytes(32).toString('base64');
const K2 = randomBytes(32).toString('base64');
const ONLY_K1 = { ENCRYPTION_KEYS: `k1:${K1}`, RETAINED_VERSIONS: '5' };
const K1_AND_K2 = { ENCRYPTION_KEYS: `k1:${K1},k2:${K2}`, ENCRYPTION_KEY_ACTIVE: 'k2', RETAINED_VERSIONS: '5' };
const ONLY_K2 = { ENCRYPTION_KEYS: `k2:${K2}`, RETAINED_VERSIONS: '5' };

async function kekIdsInUse(broker: TestBroker): Promise<string[]> {
  const rows = await broker.app
    .get(DataSource)
    .query<Array<{ kek_id: string }>>('SELECT DISTINCT kek_id FROM secret_versions WHERE kek_id IS NOT NULL');
  return rows.map((row) => row.kek_id).sort();
}

/** The environment an operator runs the command with: the broker's database and kubeconfig, both keys. */
function operatorEnvironment(broker: TestBroker): Record<string, string> {
  return {
    DATABASE_URL: broker.database.url,
    KUBECONFIG: broker.config.kubeconfigPath ?? '',
    JWT_HS256_SECRET: HS256_SECRET,
    BOOTSTRAP_ADMINS: ADMIN,
    ...K1_AND_K2,
  };
}

describe('npm run kek:rewrap, the command the deployment guide gives', () => {
  beforeAll(() => buildIfStale(), 300_000);

  it('re-wraps every stored data key under the active key and exits 0, beside a running broker', async () => {
    await withBroker(ONLY_K1, async (broker) => {
      const namespace = await createNamespace(broker);
      for (const name of ['db-1', 'db-2']) {
        await createSecret(broker, namespace, { name, data: { password: `${name}-v1` } });
        await broker
          .as('admin')
          .put(secretsPath(namespace, name))
          .send({ data: { password: `${name}-v2` } })
          .expect(200);
      }
      expect(await kekIdsInUse(broker)).toEqual([kekIdOf(Buffer.from(K1, 'base64'))]);

      const run = await runNpmScript('kek:rewrap', ['--batch-size', '2'], operatorEnvironment(broker));
      expect(run.stderr).toBe('');
      expect(run.code).toBe(0);
      expect(run.stdout).toContain('kek-rewrap finished');
      expect(await kekIdsInUse(broker)).toEqual([kekIdOf(Buffer.from(K2, 'base64'))]);

      // Without the old key, every retained version is still readable (a rollback decrypts it).
      await broker.restart(undefined, ONLY_K2);
      await broker
        .as('admin')
        .post(`${secretsPath(namespace, 'db-1')}/rollback`)
        .send({ version: 1 })
        .expect(200);
      const read = await broker
        .as('admin')
        .post(`${secretsPath(namespace, 'db-1')}/request`)
        .send({})
        .expect(200);
      expect(read.body.values[0].value).toBe('db-1-v1');

      // Run again with nothing left to do: it still ends, with nothing re-wrapped.
      const again = await runNpmScript('kek:rewrap', [], { ...operatorEnvironment(broker), ...ONLY_K2 });
      expect(again.code).toBe(0);
      expect(again.stdout).toMatch(/"rewrapped":0/);
    });
  }, 180_000);

  it('exits 1 with a one-line reason on a bad argument', async () => {
    const run = await runNpmScript('kek:rewrap', ['--batch-size', '0'], {});
    expect(run.code).toBe(1);
    expect(run.stderr.trim()).toBe('kek-rewrap failed: --batch-size must be an integer from 1 to 10000');
  }, 120_000);
});
