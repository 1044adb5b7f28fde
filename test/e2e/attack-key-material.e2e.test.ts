import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { DataSource } from 'typeorm';
import { describe, expect, it } from 'vitest';
import { keyedLinkHasher, type ChainedEvent } from '../../src/audit/audit-chain.js';
import { decodeCheckpoint, encodeCheckpoint, NO_PREVIOUS_CHECKPOINT } from '../../src/audit/audit-checkpoint.js';
import { AuditKeys } from '../../src/audit/audit-keys.js';
import { CHECKPOINT_CONFIGMAP, CHECKPOINT_KEY } from '../../src/audit/checkpoint-locations.js';
import { AuditEventEntity } from '../../src/audit/entities/audit-event.entity.js';
import { deriveKey } from '../../src/crypto/derived-keys.js';
import { KeyMaterialEntity } from '../../src/crypto/key-material.entity.js';
import { KeyRing } from '../../src/crypto/key-ring.js';
import { databaseOptions } from '../../src/common/database/database-options.js';
import { databaseConfig } from '../../src/config/app-config.js';
import { ENTITIES } from '../../src/entities.js';
import { KekRewrapService } from '../../src/secrets/kek-rewrap.service.js';
import { TEST_ENCRYPTION_KEY } from '../support/broker.js';
import { compiledBroker } from '../support/broker-process.js';
import { kubeClients } from '../support/kube.js';
import { useBroker, withBroker } from '../support/use-broker.js';

/** Runs the broker's main.js with `env` and returns its exit code and what it wrote. */
async function startWith(env: Record<string, string>): Promise<{ code: number | null; output: string }> {
  const main = await compiledBroker();
  const child = spawn(process.execPath, [main], {
    env: { PATH: process.env.PATH ?? '', HOME: '/nonexistent', HOST: '127.0.0.1', PORT: '0', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const code = await new Promise<number | null>((done) => child.once('exit', done));
  return { code, output };
}

const BASE = { JWT_HS256_SECRET: 'x'.repeat(32), DATABASE_URL: 'sqlite::memory:' };

describe('key-encryption keys that only look like keys (finding 16)', () => {
  it.each([
    ['all zeros', { ENCRYPTION_KEY: Buffer.alloc(32).toString('base64') }, /ENCRYPTION_KEY is not random/],
    [
      'base64 of a passphrase',
      { ENCRYPTION_KEY: Buffer.from('correct horse battery staple 123').toString('base64') },
      /ENCRYPTION_KEY decodes to text/,
    ],
    [
      'junk characters the decoder would skip',
      {
        ENCRYPTION_KEYS: `k1:*${Buffer.from('9f1c3a7e52d40b86e1f7a93c0d5b2e68a4c71f09b3e8d256c0a7f41e9b62d3c8', 'hex').toString('base64')}`,
      },
      /ENCRYPTION_KEYS \(key k1\) is not strict base64/,
    ],
  ])('refuses to start with %s, naming the variable', async (_case, env, message) => {
    const { code, output } = await startWith({ ...BASE, ...env });
    expect(code).not.toBe(0);
    expect(output).toMatch(message);
  });
});

describe('a fresh installation does not derive its keys from the KEK (finding 12)', () => {
  const broker = useBroker();

  it('links the chain and signs checkpoints under keys a holder of the KEK alone cannot compute', async () => {
    await broker.as('admin').get('/v1/audit-events').query({ limit: 1 }).expect(200);
    const kek = Buffer.from(TEST_ENCRYPTION_KEY, 'base64');
    const events = broker.app.get(DataSource).getRepository(AuditEventEntity);
    await expect.poll(() => events.count()).toBeGreaterThan(0);
    const [first] = (await events.find({ order: { id: 'ASC' }, take: 1 })) as ChainedEvent[];
    // The broker's own key links it; one derived from the KEK's bytes (the old fresh-install root) does not.
    expect(broker.app.get(AuditKeys).link(first)).toBe(first.hash);
    expect(keyedLinkHasher(deriveKey(kek, 'audit-chain'))(first)).not.toBe(first.hash);
    const configMap = await kubeClients(broker.emulator).core.readNamespacedConfigMap({
      name: CHECKPOINT_CONFIGMAP,
      namespace: broker.config.auditCheckpoint.namespace,
    });
    const text = configMap.data?.[CHECKPOINT_KEY] ?? '';
    expect(decodeCheckpoint(text, broker.app.get(AuditKeys).checkpoint).state).toBe('valid');
    expect(decodeCheckpoint(text, deriveKey(kek, 'audit-checkpoint')).state).toBe('invalid');
  });
});

describe('a retired KEK forges nothing after it (finding 12)', () => {
  const keyA = randomBytes(32);
  const keyB = randomBytes(32);
  const base = { AUDIT_CHECKPOINT_SECONDS: '1' };
  const onlyA = { ...base, ENCRYPTION_KEYS: `key-a:${keyA.toString('base64')}` };
  const aAndB = {
    ...base,
    ENCRYPTION_KEYS: `key-a:${keyA.toString('base64')},key-b:${keyB.toString('base64')}`,
    ENCRYPTION_KEY_ACTIVE: 'key-b',
  };
  const onlyB = { ...base, ENCRYPTION_KEYS: `key-b:${keyB.toString('base64')}` };

  it('moves the chain to a new key epoch when the KEK goes; events re-linked and a checkpoint signed with keys the old KEK opens fail verify', async () => {
    await withBroker(onlyA, async (broker) => {
      await broker.as('admin').get('/v1/audit-events').query({ limit: 1 }).expect(200);
      // What a backup taken now holds: the derivation root wrapped by key A.
      const backup = await broker.app
        .get(DataSource)
        .getRepository(KeyMaterialEntity)
        .findOneByOrFail({ name: 'derivation-root' });

      await broker.restart(undefined, aAndB);
      await broker.app.get(KekRewrapService).run({ batchSize: 10 });
      await broker.restart(undefined, onlyB);
      for (let i = 0; i < 3; i += 1) await broker.as('admin').get('/v1/audit-events').query({ limit: 1 }).expect(200);
      const intact = (await broker.as('admin').get('/v1/audit-events/verify').expect(200)).body as {
        ok: boolean;
        findings: unknown[];
      };
      expect(intact).toMatchObject({ ok: true, findings: [] });
      const markers = await broker.app
        .get(DataSource)
        .query<unknown[]>(`SELECT id FROM audit_events WHERE subject = 'system:key-epoch'`);
      expect(markers).toHaveLength(1);

      // The holder of the retired key A, with the backup, database and ConfigMap write.
      const oldRoot = new KeyRing({ active: 'a', keys: new Map([['a', keyA]]) }).unwrap(
        { kekId: backup.kekId, wrapped: backup.wrappedKey },
        'secrets-broker derivation root',
      );
      const oldLink = keyedLinkHasher(deriveKey(oldRoot, 'audit-chain'));
      await broker.restart(async () => {
        const database = await new DataSource(
          databaseOptions(databaseConfig(broker.database.url), ENTITIES),
        ).initialize();
        try {
          const [newest] = (await database
            .getRepository(AuditEventEntity)
            .find({ order: { id: 'DESC' }, take: 1 })) as ChainedEvent[];
          const edited = { ...newest, reason: 'nothing to see here' };
          const hash = oldLink(edited);
          await database.getRepository(AuditEventEntity).update({ id: newest.id }, { reason: edited.reason, hash });
          const [{ count }] = await database.query<Array<{ count: number | string }>>(
            'SELECT COUNT(*) AS count FROM audit_events',
          );
          const forged = encodeCheckpoint(
            {
              id: newest.id,
              hash,
              count: Number(count),
              writtenAt: new Date(),
              sequence: 1_000,
              previous: NO_PREVIOUS_CHECKPOINT,
            },
            deriveKey(oldRoot, 'audit-checkpoint'),
          );
          const { core } = kubeClients(broker.emulator);
          const namespace = broker.config.auditCheckpoint.namespace;
          const current = await core.readNamespacedConfigMap({ name: CHECKPOINT_CONFIGMAP, namespace });
          await core.replaceNamespacedConfigMap({
            name: CHECKPOINT_CONFIGMAP,
            namespace,
            body: { ...current, data: { [CHECKPOINT_KEY]: forged } },
          });
        } finally {
          await database.destroy();
        }
      });
      const report = (await broker.as('admin').get('/v1/audit-events/verify').expect(200)).body as {
        ok: boolean;
        findings: Array<{ kind: string; message: string }>;
      };
      expect(report.ok).toBe(false);
      const kinds = report.findings.map((finding) => finding.kind);
      expect(kinds).toContain('hash-mismatch');
      expect(report.findings).toContainEqual(
        expect.objectContaining({
          kind: 'checkpoint-invalid',
          message: 'The checkpoint ConfigMap holds a checkpoint signed under the key of an earlier key epoch',
        }),
      );
    });
  });
});
