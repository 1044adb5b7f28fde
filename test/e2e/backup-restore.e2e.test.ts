import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuditCheckpointWriter } from '../../src/audit/audit-checkpoint.writer.js';
import { CHECKPOINT_CONFIGMAP, CHECKPOINT_KEY } from '../../src/audit/checkpoint-locations.js';
import { createNamespace, createSecret, secretsPath } from '../factories/index.js';
import { sharedEnvironmentOf, type TestBroker } from '../support/broker.js';
import { backUp, restore } from '../support/database-backup.js';
import { buildIfStale } from '../support/dev-broker.js';
import { kubeClients } from '../support/kube.js';
import { runNpmScript } from '../support/npm-script.js';
import { withBroker } from '../support/use-broker.js';

interface Verification {
  ok: boolean;
  findings: Array<{ kind: string; fromId: string | null; toId: string | null; message: string }>;
  acknowledgedGaps: Array<{
    fromId: string;
    toId: string;
    lostEvents: number;
    checkpoint: { id: string; location: string };
    acknowledgedBy: string;
    reason: string;
  }>;
}

interface StoredCheckpoint {
  id: number;
  hash: string;
  count: number;
}

async function configMapCheckpoint(broker: TestBroker): Promise<StoredCheckpoint> {
  const configMap = await kubeClients(broker.emulator).core.readNamespacedConfigMap({
    name: CHECKPOINT_CONFIGMAP,
    namespace: broker.config.auditCheckpoint.namespace,
  });
  return JSON.parse(configMap.data?.[CHECKPOINT_KEY] ?? '') as StoredCheckpoint;
}

async function eventHash(broker: TestBroker, id: number): Promise<string | undefined> {
  const [row] = await broker.app
    .get(DataSource)
    .query<Array<{ hash: string }>>(`SELECT hash FROM audit_events WHERE id = ${id}`);
  return row?.hash;
}

async function headId(broker: TestBroker): Promise<number> {
  const [row] = await broker.app
    .get(DataSource)
    .query<Array<{ head: number | string }>>('SELECT MAX(id) AS head FROM audit_events');
  return Number(row.head);
}

const verify = async (broker: TestBroker): Promise<Verification> =>
  (await broker.as('admin').get('/v1/audit-events/verify').expect(200)).body as Verification;

describe('backup and restore', () => {
  let directory: string;
  beforeAll(() => {
    buildIfStale();
    directory = mkdtempSync(join(tmpdir(), 'backup-restore-'));
  }, 300_000);
  afterAll(() => rmSync(directory, { recursive: true, force: true }));

  it('a broker started on a restored database catches up with the cluster, never reuses a version, and verify passes once the lost events are acknowledged', async () => {
    await withBroker({}, async (broker) => {
      const namespace = await createNamespace(broker);
      const path = secretsPath(namespace, 'db');
      await createSecret(broker, namespace, { name: 'db', data: { password: 'v1' } });

      // 1. Back up while the broker runs.
      const backup = await backUp(broker.database, directory);
      const backedUpHead = await headId(broker);

      // 2. Write more: three rotations, reads (audit events), and a checkpoint of it all.
      for (const value of ['v2', 'v3', 'v4']) {
        await broker
          .as('admin')
          .put(path)
          .send({ data: { password: value } })
          .expect(200);
        await broker.as('admin').post(`${path}/request`).send({}).expect(200);
      }
      await broker.app.get(AuditCheckpointWriter).writeNow();
      const lost = await configMapCheckpoint(broker);
      expect(lost.id).toBe(await headId(broker));

      // 3. Restore the backup with the broker stopped; 4. start.
      await broker.restart(async () => restore(broker.database, backup));

      // Reads serve what the cluster holds; the records caught up with a `restore` version above the cluster's v4.
      const read = await broker.as('admin').post(`${path}/request`).send({}).expect(200);
      expect(read.body.values[0].value).toBe('v4');
      const versions = (await broker.as('admin').get(`${path}/versions`).expect(200)).body as Array<{
        version: number;
        reason: string;
        state: string;
      }>;
      expect(versions.find((version) => version.state === 'current')).toMatchObject({ version: 5, reason: 'restore' });

      // The next rotation takes a number never used before the restore nor after it.
      const rotated = await broker
        .as('admin')
        .post(`${path}/rotate`)
        .send({ generate: { password: { type: 'password' } } })
        .expect(200);
      expect(rotated.body.version.version).toBe(6);

      // Verify fails: the checkpoint proves events the restored chain lacks; the checkpoint is not moved onto it.
      const before = await verify(broker);
      expect(before.ok).toBe(false);
      expect(before.findings.map((finding) => finding.kind)).toContain('truncated');
      expect(before.acknowledgedGaps).toEqual([]);
      await broker.app.get(AuditCheckpointWriter).writeNow();
      expect(await configMapCheckpoint(broker)).toEqual(lost);

      // The operator acknowledges the loss: an attributed act, by the documented command.
      const acknowledged = await runNpmScript(
        'audit:acknowledge-restore',
        ['--reason', 'restored the nightly backup after losing the disk', '--by', 'user:ops'],
        sharedEnvironmentOf(broker),
        120_000,
      );
      expect(acknowledged.stderr).toBe('');
      expect(acknowledged.code).toBe(0);

      const after = await verify(broker);
      expect(after.findings).toEqual([]);
      expect(after.ok).toBe(true);
      expect(after.acknowledgedGaps).toHaveLength(1);
      const [gap] = after.acknowledgedGaps;
      expect(gap).toMatchObject({
        toId: String(lost.id),
        checkpoint: { id: String(lost.id), location: 'configmap' },
        acknowledgedBy: 'user:ops',
        reason: 'restored the nightly backup after losing the disk',
      });
      // Lost: every event after the backup, up to the checkpoint it was measured against.
      expect(gap.fromId).toBe(String(backedUpHead + 1));
      expect(gap.lostEvents).toBe(lost.count - backedUpHead);

      // Checkpoints advance again, onto the chain as it now is.
      await broker.as('admin').post(`${path}/request`).send({}).expect(200);
      await broker.app.get(AuditCheckpointWriter).writeNow();
      const advanced = await configMapCheckpoint(broker);
      expect(advanced.id).toBe(await headId(broker));
      expect(advanced.hash).toBe(await eventHash(broker, advanced.id));

      // A gap nobody acknowledged still fails verify, the acknowledged one still listed.
      await broker.app.get(DataSource).query('DELETE FROM audit_events WHERE id = 2');
      const tampered = await verify(broker);
      expect(tampered.ok).toBe(false);
      expect(tampered.findings[0]).toMatchObject({ kind: 'gap', fromId: '2', toId: '2' });
      expect(tampered.acknowledgedGaps).toHaveLength(1);
    });
  }, 240_000);

  it('the commands refuse what they cannot do, with one line and exit 1, changing nothing', async () => {
    const onPostgres = await runNpmScript('backup', ['--out', join(directory, 'pg.sqlite')], {
      DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/test',
    });
    expect(onPostgres.code).toBe(1);
    expect(onPostgres.stderr.trim()).toBe(
      'backup failed: DATABASE_URL is PostgreSQL: back it up with pg_dump (see docs/operations.md)',
    );
    const withoutOut = await runNpmScript('backup', [], { DATABASE_URL: 'sqlite:/nonexistent/broker.sqlite' });
    expect(withoutOut.stderr.trim()).toBe('backup failed: --out FILE is required');

    await withBroker({}, async (broker) => {
      const environment = sharedEnvironmentOf(broker);
      const head = await headId(broker);
      const nothingLost = await runNpmScript('audit:acknowledge-restore', ['--reason', 'just in case'], environment);
      expect(nothingLost.code).toBe(1);
      expect(nothingLost.stderr.trim()).toBe(
        'audit:acknowledge-restore failed: Nothing to acknowledge: the chain extends every checkpoint',
      );
      const noReason = await runNpmScript('audit:acknowledge-restore', [], environment);
      expect(noReason.stderr.trim()).toBe(
        'audit:acknowledge-restore failed: --reason must say why the gap is acknowledged',
      );
      expect(await headId(broker)).toBe(head);
      expect((await verify(broker)).ok).toBe(true);
    });
  }, 240_000);
});
