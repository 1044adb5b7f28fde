import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuditCheckpointWriter } from '../../src/audit/audit-checkpoint.writer.js';
import { EMPTY_CHAIN, plainLinkHasher, type ChainedEvent } from '../../src/audit/audit-chain.js';
import { toUnsealedEvent } from '../../src/audit/audit-event.js';
import { PostgresAuditEventStore } from '../../src/audit/postgres-audit-event.store.js';
import { SqliteAuditEventStore } from '../../src/audit/sqlite-audit-event.store.js';
import { CHECKPOINT_CONFIGMAP, CHECKPOINT_KEY } from '../../src/audit/checkpoint-locations.js';
import { AuditEventEntity } from '../../src/audit/entities/audit-event.entity.js';
import { databaseOptions } from '../../src/common/database/database-options.js';
import { ENTITIES } from '../../src/entities.js';
import { databaseConfig } from '../../src/config/app-config.js';
import { createNamespace, createSecret } from '../factories/index.js';
import type { Broker } from '../support/broker.js';
import { postgresBaseUrl } from '../support/database.js';
import { kubeClients } from '../support/kube.js';
import { metricValue } from '../support/metrics.js';
import { withBroker } from '../support/use-broker.js';

const kind = postgresBaseUrl() ? 'postgres' : 'sqlite';
const CANARY = 'canary-4c0ffee-anchored-value';

interface StoredCheckpoint {
  id: number;
  hash: string;
  count: number;
  writtenAt: string;
  signature: string;
}

interface Finding {
  kind: string;
  fromId: string | null;
  toId: string | null;
  location: string | null;
  message: string;
}

interface Verification {
  ok: boolean;
  checked: number;
  firstBrokenId: string | null;
  checkpoint: { id: string; count: number; writtenAt: string; location: string } | null;
  findings: Finding[];
}

const verify = async (broker: Broker): Promise<Verification> =>
  (await broker.as('admin').get('/v1/audit-events/verify').expect(200)).body as Verification;

/** Audit events through the API: each listing records an `audit:read` decision. */
async function recordEvents(broker: Broker, count: number): Promise<void> {
  for (let index = 0; index < count; index++)
    await broker.as('admin').get('/v1/audit-events').query({ limit: 1 }).expect(200);
}

async function readConfigMap(broker: Broker) {
  const { core } = kubeClients(broker.emulator);
  return core.readNamespacedConfigMap({
    name: CHECKPOINT_CONFIGMAP,
    namespace: broker.config.auditCheckpoint.namespace,
  });
}

async function configMapCheckpoint(broker: Broker): Promise<StoredCheckpoint> {
  return JSON.parse((await readConfigMap(broker)).data?.[CHECKPOINT_KEY] ?? '') as StoredCheckpoint;
}

/** The database, opened directly: what an attacker with database access (and no KEK) holds. */
async function openDatabase(broker: Broker): Promise<DataSource> {
  return new DataSource(databaseOptions(databaseConfig(broker.database.url), ENTITIES)).initialize();
}

async function withDatabase<T>(broker: Broker, work: (dataSource: DataSource) => Promise<T>): Promise<T> {
  const dataSource = await openDatabase(broker);
  try {
    return await work(dataSource);
  } finally {
    await dataSource.destroy();
  }
}

async function headId(dataSource: DataSource): Promise<number> {
  const [row] = await dataSource.query<
    Array<{
      id: number | string | null;
    }>
  >('SELECT MAX(id) AS id FROM audit_events');
  return Number(row?.id ?? 0);
}

/** Replaces the table with `count` events linked as before keyed links: plain SHA-256, as the old writer did. */
async function writeUnkeyedChain(dataSource: DataSource, count: number): Promise<void> {
  await dataSource.query('DELETE FROM audit_events');
  const store =
    kind === 'postgres'
      ? new PostgresAuditEventStore(dataSource, plainLinkHasher)
      : new SqliteAuditEventStore(dataSource, plainLinkHasher);
  const events = Array.from({ length: count }, (_, index) =>
    toUnsealedEvent(
      {
        actor: {
          subject: `user:old${index}`,
          request: { requestId: `old-${index}`, sourceIp: undefined, userAgent: undefined },
        },
        action: 'read',
        outcome: 'allowed',
      },
      new Date(),
    ),
  );
  await store.append(events);
}

/** What someone who can write the table but lacks the key does: delete event `id`, relink and re-hash every later one with plain SHA-256. */
async function deleteAndRehash(dataSource: DataSource, id: number): Promise<void> {
  const events: ChainedEvent[] = await dataSource.getRepository(AuditEventEntity).find({ order: { id: 'ASC' } });
  await dataSource.query(`DELETE FROM audit_events WHERE id = ${id}`);
  let previousHash = events.find((event) => event.id === id - 1)?.hash ?? EMPTY_CHAIN.hash;
  for (const event of events.filter((candidate) => candidate.id > id)) {
    const hash = plainLinkHasher({ ...event, prevHash: previousHash });
    await dataSource.query(
      `UPDATE audit_events SET prev_hash = '${previousHash}', hash = '${hash}' WHERE id = ${event.id}`,
    );
    previousHash = hash;
  }
}

const checkpointFailures = (broker: Broker) =>
  metricValue(broker, 'audit_checkpoint_write_failures_total{location="configmap"}');

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls `check` until it returns a value, for what the checkpoint writer does on its own schedule. */
async function eventually<T>(check: () => Promise<T | false>, timeoutMs = 5_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check().catch(() => false as const);
    if (value !== false) return value;
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await pause(100);
  }
}

describe(`audit chain anchoring (${kind})`, () => {
  let directory: string;

  beforeAll(() => {
    directory = mkdtempSync(join(tmpdir(), 'audit-anchoring-'));
  });
  afterAll(() => {
    rmSync(directory, { recursive: true, force: true });
  });

  it('writes the checkpoint at shutdown to the ConfigMap and the file, and reports the newest events deleted behind it', async () => {
    const file = join(directory, 'shutdown.json');
    await withBroker({ AUDIT_CHECKPOINT_SECONDS: '3600', AUDIT_CHECKPOINT_FILE: file }, async (broker) => {
      await recordEvents(broker, 6);
      let head = 0;
      await broker.restart(async () => {
        head = await withDatabase(broker, headId);
        const checkpoint = await configMapCheckpoint(broker);
        expect(checkpoint).toMatchObject({ id: head, count: head });
        expect(readFileSync(file, 'utf8')).toBe((await readConfigMap(broker)).data?.[CHECKPOINT_KEY]);
        await withDatabase(broker, (dataSource) => dataSource.query(`DELETE FROM audit_events WHERE id > ${head - 3}`));
      });

      const report = await verify(broker);
      expect(report).toMatchObject({ ok: false, firstBrokenId: null, checkpoint: { id: String(head), count: head } });
      expect(report.findings.map((finding) => [finding.kind, finding.location])).toEqual([
        ['truncated', 'configmap'],
        ['truncated', 'file'],
      ]);
      expect(report.findings[0].message).toBe(
        `The chain ends at event ${head - 2}, but a checkpoint recorded it up to event ${head}`,
      );
      // The evidence stays: the broker refuses to move the checkpoint onto the truncated chain.
      expect((await configMapCheckpoint(broker)).id).toBe(head);
      expect(
        broker.logLines.some(
          (line) => line.includes('audit checkpoint not advanced') && line.includes('no longer extends'),
        ),
      ).toBe(true);
      expect(await checkpointFailures(broker)).toBeGreaterThan(0);
    });
  });

  it('reports a deleted middle event whose successors were re-hashed without the key', async () => {
    await withBroker({ AUDIT_CHECKPOINT_SECONDS: '1' }, async (broker) => {
      await recordEvents(broker, 8);
      const dataSource = broker.app.get(DataSource);
      const head = await headId(dataSource);
      await eventually(async () => (await configMapCheckpoint(broker)).id === head);
      const anchored = await configMapCheckpoint(broker);

      await deleteAndRehash(dataSource, 3);

      const report = await verify(broker);
      expect(report).toMatchObject({ ok: false, firstBrokenId: '4', checked: 3 });
      expect(report.findings).toEqual([
        expect.objectContaining({ kind: 'gap', fromId: '3', toId: '3' }),
        expect.objectContaining({ kind: 'hash-mismatch', fromId: '4', toId: String(head) }),
        expect.objectContaining({
          kind: 'truncated',
          location: 'configmap',
          message: `Event ${head} has another hash than the checkpoint recorded for it`,
        }),
        expect.objectContaining({
          kind: 'truncated',
          location: 'configmap',
          message: `${head - 1} events up to event ${head}, but the checkpoint counted ${head}`,
        }),
      ]);
      await eventually(async () => (await checkpointFailures(broker)) > 0);
      expect(await configMapCheckpoint(broker)).toEqual(anchored);
    });
  });

  it('advances the ConfigMap checkpoint every interval, holding no secret value, and reports it tampered with or deleted', async () => {
    await withBroker({ AUDIT_CHECKPOINT_SECONDS: '1' }, async (broker) => {
      await createNamespace(broker, 'team-a');
      await createSecret(broker, 'team-a', { name: 'db-main', data: { password: CANARY } });
      const dataSource = broker.app.get(DataSource);
      const first = await eventually(async () => {
        const checkpoint = await configMapCheckpoint(broker);
        return checkpoint.id > 0 && checkpoint.id === (await headId(dataSource)) && checkpoint;
      });
      const configMap = await readConfigMap(broker);
      expect(Object.keys(configMap.data ?? {})).toEqual([CHECKPOINT_KEY]);
      expect(configMap.binaryData).toBeUndefined();
      expect(Object.keys(first).sort()).toEqual([
        'count',
        'hash',
        'id',
        'previous',
        'sequence',
        'signature',
        'writtenAt',
      ]);
      for (const form of [CANARY, Buffer.from(CANARY).toString('base64')])
        expect(JSON.stringify(configMap)).not.toContain(form);

      await recordEvents(broker, 3);
      const advanced = await eventually(async () => {
        const checkpoint = await configMapCheckpoint(broker);
        return checkpoint.id > first.id && checkpoint;
      });
      expect(advanced.count).toBe(advanced.id);
      expect(await verify(broker)).toMatchObject({ ok: true, findings: [], checkpoint: { location: 'configmap' } });

      // Someone with rights on the ConfigMap moves the checkpoint back, keeping the old signature.
      const { core } = kubeClients(broker.emulator);
      const tampered = JSON.stringify({ ...advanced, id: 1, count: 1 });
      await core.replaceNamespacedConfigMap({
        name: CHECKPOINT_CONFIGMAP,
        namespace: broker.config.auditCheckpoint.namespace,
        body: { ...(await readConfigMap(broker)), data: { [CHECKPOINT_KEY]: tampered } },
      });
      await recordEvents(broker, 2);
      await broker.app.get(AuditCheckpointWriter).writeNow();
      const report = await verify(broker);
      expect(report).toMatchObject({ ok: false, checkpoint: null });
      expect(report.findings).toEqual([
        {
          kind: 'checkpoint-invalid',
          fromId: null,
          toId: null,
          location: 'configmap',
          message: 'The checkpoint ConfigMap holds a checkpoint whose signature does not verify',
        },
      ]);
      expect((await readConfigMap(broker)).data?.[CHECKPOINT_KEY]).toBe(tampered);

      await core.deleteNamespacedConfigMap({
        name: CHECKPOINT_CONFIGMAP,
        namespace: broker.config.auditCheckpoint.namespace,
      });
      await recordEvents(broker, 2);
      await broker.app.get(AuditCheckpointWriter).writeNow();
      expect((await verify(broker)).findings).toEqual([
        expect.objectContaining({ kind: 'checkpoint-missing', location: 'configmap' }),
      ]);
    });
  });

  it('re-keys a chain linked with plain SHA-256 at the first start, but not once a checkpoint exists', async () => {
    const file = join(directory, 'legacy.json');
    await withBroker({ AUDIT_CHECKPOINT_SECONDS: '3600', AUDIT_CHECKPOINT_FILE: file }, async (broker) => {
      await broker.restart(async () => {
        // A database from before keyed links: its chain is plain SHA-256 and no checkpoint exists yet.
        await kubeClients(broker.emulator).core.deleteNamespacedConfigMap({
          name: CHECKPOINT_CONFIGMAP,
          namespace: broker.config.auditCheckpoint.namespace,
        });
        rmSync(file);
        // Longer than one re-keying batch, so the relinking carries across batches.
        await withDatabase(broker, (dataSource) => writeUnkeyedChain(dataSource, 1_201));
      });
      expect(broker.logLines.some((line) => line.includes('re-keyed the audit chain'))).toBe(true);
      expect(await verify(broker)).toMatchObject({
        ok: true,
        checked: 1_202,
        findings: [],
        checkpoint: { id: '1201', count: 1_201 },
      });

      await broker.restart(async () => {
        // Someone replaces the table with a chain of their own, linked the only way they can.
        await withDatabase(broker, (dataSource) => writeUnkeyedChain(dataSource, 3));
      });
      expect(broker.logLines.some((line) => line.includes('not re-keyed'))).toBe(true);
      const report = await verify(broker);
      expect(report).toMatchObject({ ok: false, firstBrokenId: '1', checkpoint: { id: '1202' } });
      expect(report.findings).toEqual(
        expect.arrayContaining([
          expect.objectContaining({ kind: 'hash-mismatch', fromId: '1', toId: '3' }),
          expect.objectContaining({ kind: 'truncated', location: 'configmap' }),
          expect.objectContaining({ kind: 'truncated', location: 'file' }),
        ]),
      );
    });
  });
});
