import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHECKPOINT_CONFIGMAP, CHECKPOINT_KEY } from '../../src/audit/checkpoint-locations.js';
import { databaseOptions } from '../../src/common/database/database-options.js';
import { databaseConfig } from '../../src/config/app-config.js';
import { ENTITIES } from '../../src/entities.js';
import type { Broker } from '../support/broker.js';
import { kubeClients } from '../support/kube.js';
import { withBroker } from '../support/use-broker.js';

interface StoredCheckpoint {
  id: number;
  sequence: number;
}

interface Verification {
  ok: boolean;
  anchors: number;
  findings: Array<{ kind: string; location: string | null; message: string }>;
}

const verify = async (broker: Broker): Promise<Verification> =>
  (await broker.as('admin').get('/v1/audit-events/verify').expect(200)).body as Verification;

async function recordEvents(broker: Broker, count: number): Promise<void> {
  for (let index = 0; index < count; index++)
    await broker.as('admin').get('/v1/audit-events').query({ limit: 1 }).expect(200);
}

async function configMapText(broker: Broker): Promise<string> {
  const configMap = await kubeClients(broker.emulator).core.readNamespacedConfigMap({
    name: CHECKPOINT_CONFIGMAP,
    namespace: broker.config.auditCheckpoint.namespace,
  });
  return configMap.data?.[CHECKPOINT_KEY] ?? '';
}

/** What someone with rights on the ConfigMap does: puts back text it saw there earlier. */
async function putBackConfigMap(broker: Broker, text: string): Promise<void> {
  const { core } = kubeClients(broker.emulator);
  const namespace = broker.config.auditCheckpoint.namespace;
  const current = await core.readNamespacedConfigMap({ name: CHECKPOINT_CONFIGMAP, namespace });
  await core.replaceNamespacedConfigMap({
    name: CHECKPOINT_CONFIGMAP,
    namespace,
    body: { ...current, data: { [CHECKPOINT_KEY]: text } },
  });
}

/** What someone with database access does: deletes the events newer than `id`, directly. */
async function truncateAfter(broker: Broker, id: number): Promise<void> {
  const dataSource = await new DataSource(databaseOptions(databaseConfig(broker.database.url), ENTITIES)).initialize();
  try {
    await dataSource.query(`DELETE FROM audit_events WHERE id > ${id}`);
  } finally {
    await dataSource.destroy();
  }
}

async function eventually<T>(check: () => Promise<T | false>, timeoutMs = 5_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check().catch(() => false as const);
    if (value !== false) return value;
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Waits until the ConfigMap holds a checkpoint of the current head, and returns its text. */
async function anchoredHead(broker: Broker): Promise<string> {
  return eventually(async () => {
    const text = await configMapText(broker);
    const [row] = await broker.app
      .get(DataSource)
      .query<Array<{ id: number | string }>>('SELECT MAX(id) AS id FROM audit_events');
    return (JSON.parse(text) as StoredCheckpoint).id === Number(row.id) && text;
  });
}

describe('a replayed older checkpoint cannot hide truncation (finding 11)', () => {
  let directory: string;

  beforeAll(() => {
    directory = mkdtempSync(join(tmpdir(), 'audit-anchors-'));
  });
  afterAll(() => {
    rmSync(directory, { recursive: true, force: true });
  });

  it('one location: the running broker refuses a checkpoint older than it wrote there, and keeps the evidence', async () => {
    await withBroker({ AUDIT_CHECKPOINT_SECONDS: '1' }, async (broker) => {
      await recordEvents(broker, 2);
      const older = await anchoredHead(broker);
      const olderId = (JSON.parse(older) as StoredCheckpoint).id;
      await recordEvents(broker, 5);
      const newer = JSON.parse(await anchoredHead(broker)) as StoredCheckpoint;
      expect(newer.sequence).toBeGreaterThan((JSON.parse(older) as StoredCheckpoint).sequence);

      // Database and ConfigMap write: the older, validly signed checkpoint back, the newer events gone.
      await putBackConfigMap(broker, older);
      await truncateAfter(broker, olderId);
      await new Promise((resolve) => setTimeout(resolve, 1_500));

      const report = await verify(broker);
      expect(report.ok).toBe(false);
      expect(report.anchors).toBe(1);
      expect(report.findings).toContainEqual(
        expect.objectContaining({ kind: 'checkpoint-rolled-back', location: 'configmap' }),
      );
      // The broker did not write over it: the evidence stays for the next verify.
      expect(await configMapText(broker)).toBe(older);
    });
  });

  it('two locations: one put back is behind the other, and the truncation shows against the newer', async () => {
    const file = join(directory, 'checkpoint.json');
    const env = { AUDIT_CHECKPOINT_SECONDS: '1', AUDIT_CHECKPOINT_FILE: file };
    await withBroker(env, async (broker) => {
      await recordEvents(broker, 2);
      const older = await anchoredHead(broker);
      const olderId = (JSON.parse(older) as StoredCheckpoint).id;
      await recordEvents(broker, 5);
      await anchoredHead(broker);
      expect((await verify(broker)).anchors).toBe(2);
      // The broker stops (its memory of what it wrote goes with it); then the attack.
      await broker.restart(async () => {
        await putBackConfigMap(broker, older);
        await truncateAfter(broker, olderId);
      });
      const report = await verify(broker);
      expect(report.ok).toBe(false);
      expect(report.anchors).toBe(2);
      const kinds = report.findings.map((finding) => `${finding.kind} ${finding.location}`);
      expect(kinds).toContain('checkpoint-behind configmap');
      expect(kinds).toContain('truncated file');
      expect(readFileSync(file, 'utf8')).not.toBe(older);
    });
  });
});
