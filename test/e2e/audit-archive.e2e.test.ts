import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuditArchives } from '../../src/audit/audit-archives.js';
import { AuditCheckpointWriter } from '../../src/audit/audit-checkpoint.writer.js';
import { AuditQueryService } from '../../src/audit-query/audit-query.service.js';
import { KekRewrapService } from '../../src/secrets/kek-rewrap.service.js';
import { CHECKPOINT_CONFIGMAP, CHECKPOINT_KEY } from '../../src/audit/checkpoint-locations.js';
import { createNamespace, createSecret, secretsPath } from '../factories/index.js';
import { sharedEnvironmentOf, type TestBroker } from '../support/broker.js';
import { buildIfStale } from '../support/dev-broker.js';
import { kubeClients } from '../support/kube.js';
import { runNpmScript, type ScriptRun } from '../support/npm-script.js';
import { withBroker } from '../support/use-broker.js';

interface Verification {
  ok: boolean;
  findings: Array<{ kind: string; fromId: string | null; toId: string | null; message: string }>;
  archived: Array<{
    fromId: string;
    toId: string;
    count: number;
    archiveSha256: string;
    prunedBy: string;
    checked: boolean;
  }>;
  unchecked: Array<{ fromId: string; toId: string }>;
}

// A value the archive must never hold (events never carry values).
const VALUE = 'archive-test-value-7f3c';

async function ids(broker: TestBroker): Promise<{ first: number; head: number; count: number }> {
  const [row] = await broker.app
    .get(DataSource)
    .query<Array<{ first: number | string; head: number | string; count: number | string }>>(
      'SELECT MIN(id) AS first, MAX(id) AS head, COUNT(*) AS count FROM audit_events',
    );
  return { first: Number(row.first), head: Number(row.head), count: Number(row.count) };
}

async function configMapCheckpointId(broker: TestBroker): Promise<number> {
  const configMap = await kubeClients(broker.emulator).core.readNamespacedConfigMap({
    name: CHECKPOINT_CONFIGMAP,
    namespace: broker.config.auditCheckpoint.namespace,
  });
  return (JSON.parse(configMap.data?.[CHECKPOINT_KEY] ?? '') as { id: number }).id;
}

const routeVerify = async (broker: TestBroker): Promise<Verification> =>
  (await broker.as('admin').get('/v1/audit-events/verify').expect(200)).body as Verification;

const run = (broker: TestBroker, script: string, args: string[]): Promise<ScriptRun> =>
  runNpmScript(script, args, sharedEnvironmentOf(broker), 120_000);

async function verifyCommand(
  broker: TestBroker,
  archives: string[],
): Promise<{ run: ScriptRun; report: Verification }> {
  const result = await run(
    broker,
    'audit:verify',
    archives.flatMap((file) => ['--archive', file]),
  );
  expect(result.stderr).toBe('');
  return { run: result, report: JSON.parse(result.stdout) as Verification };
}

const OPERATOR = { subject: 'user:ops', request: { requestId: 'test', sourceIp: undefined, userAgent: 'test' } };

/** The same verification as `audit:verify`, in process: each form of the command also runs as a child once. */
const verifyInProcess = (broker: TestBroker, archives: string[]): Promise<Verification> =>
  broker.app.get(AuditQueryService).verifyChain(archives);

/** A copy of `file` with the line holding event `id` removed or changed by `change`. */
function tamperedCopy(file: string, id: number, change: (line: string) => string | undefined): string {
  const lines = readFileSync(file, 'utf8').split('\n');
  const at = lines.findIndex((line) => line.startsWith(`{"type":"event","id":${id},`));
  expect(at).toBeGreaterThan(0);
  const changed = change(lines[at]);
  if (changed === undefined) lines.splice(at, 1);
  else lines[at] = changed;
  const copy = `${file}.tampered-${id}-${changed === undefined ? 'removed' : 'changed'}`;
  writeFileSync(copy, lines.join('\n'));
  return copy;
}

describe('audit archive and prune', () => {
  let directory: string;
  beforeAll(() => {
    buildIfStale();
    directory = mkdtempSync(join(tmpdir(), 'audit-archive-'));
  }, 300_000);
  afterAll(() => rmSync(directory, { recursive: true, force: true }));

  it('archives a prefix, prunes exactly it, and verify checks the database and archives as one chain', async () => {
    await withBroker({}, async (broker) => {
      const namespace = await createNamespace(broker);
      const path = secretsPath(namespace, 'db');
      await createSecret(broker, namespace, { name: 'db', data: { password: VALUE } });
      for (let read = 0; read < 3; read++) await broker.as('admin').post(`${path}/request`).send({}).expect(200);
      await sleep(5);
      const cutoff = new Date();
      await sleep(5);
      await broker.as('admin').post(`${path}/request`).send({}).expect(200);
      const before = await ids(broker);

      // The archive: every event before the cutoff, exactly as stored, and no value.
      const archive = join(directory, 'first.ndjson');
      const archived = await run(broker, 'audit:archive', ['--before', cutoff.toISOString(), '--out', archive]);
      expect(archived.stderr).toBe('');
      expect(archived.code).toBe(0);
      const summary = (JSON.parse(archived.stdout) as { archived: { firstId: number; lastId: number; count: number } })
        .archived;
      expect(summary.firstId).toBe(1);
      expect(summary.lastId).toBeLessThan(before.head);
      const text = readFileSync(archive, 'utf8');
      expect(text).not.toContain(VALUE);
      const lines = text.trimEnd().split('\n');
      expect(lines).toHaveLength(summary.count + 2);
      const header = JSON.parse(lines[0]) as { type: string; headHash: string; tailHash: string; checkpoint: string };
      expect(header.type).toBe('audit-archive');
      expect(header.headHash).toBe('0'.repeat(64));
      expect(JSON.parse(header.checkpoint)).toMatchObject({ signature: expect.any(String) });
      expect((JSON.parse(lines[summary.count]) as { id: number; hash: string }).hash).toBe(header.tailHash);
      expect(JSON.parse(lines.at(-1) ?? '')).toMatchObject({ type: 'audit-archive-end', lastId: summary.lastId });
      const overwrite = await run(broker, 'audit:archive', ['--before', cutoff.toISOString(), '--out', archive]);
      expect(overwrite.code).toBe(1);
      expect(overwrite.stderr.trim()).toBe(
        `audit:archive failed: ${archive} exists; an archive never overwrites a file`,
      );

      await expect(
        broker.app.get(AuditArchives).write(new Date('2000-01-01'), join(directory, 'none')),
      ).rejects.toThrow('No events before 2000-01-01T00:00:00.000Z to archive');

      // Not a verified archive: refused, and nothing changes.
      const holed = tamperedCopy(archive, 2, () => undefined);
      const refused = await run(broker, 'audit:prune', ['--archive', holed]);
      expect(refused.code).toBe(1);
      expect(refused.stderr).toContain('audit:prune failed: Not pruned, nothing changed:');
      expect(refused.stderr).toContain('event 2 is missing');
      expect(await ids(broker)).toEqual(before);

      // Before the prune, the archive is no prune's: reported as such, the database's chain still whole.
      const early = await verifyInProcess(broker, [archive]);
      expect(early.ok).toBe(false);
      expect(early.findings.map((finding) => finding.kind)).toEqual(['archive-unmatched']);

      // The prune: exactly the archived events go, attributed in the chain.
      const pruned = await run(broker, 'audit:prune', ['--archive', archive, '--by', 'user:ops']);
      expect(pruned.stderr).toBe('');
      expect(pruned.code).toBe(0);
      const after = await ids(broker);
      expect(after.first).toBe(summary.lastId + 1);
      expect(after.count).toBe(before.count - summary.count + 1);

      // The database alone: ok, with the archived range listed as not checked here.
      const alone = await routeVerify(broker);
      expect(alone.findings).toEqual([]);
      expect(alone.ok).toBe(true);
      expect(alone.unchecked).toEqual([{ fromId: '1', toId: String(summary.lastId) }]);
      expect(alone.archived).toMatchObject([
        { fromId: '1', toId: String(summary.lastId), prunedBy: 'user:ops', checked: false },
      ]);

      // Checkpoints advance after the prune.
      await broker.as('admin').post(`${path}/request`).send({}).expect(200);
      await broker.app.get(AuditCheckpointWriter).writeNow();
      expect(await configMapCheckpointId(broker)).toBe((await ids(broker)).head);
      expect((await routeVerify(broker)).ok).toBe(true);

      const commandAlone = await verifyCommand(broker, []);
      expect(commandAlone.run.code).toBe(0);
      expect(commandAlone.report.unchecked).toEqual(alone.unchecked);

      // The database and the archive as one chain.
      const whole = await verifyCommand(broker, [archive]);
      expect(whole.report.findings).toEqual([]);
      expect(whole.run.code).toBe(0);
      expect(whole.report.unchecked).toEqual([]);
      expect(whole.report.archived).toMatchObject([{ fromId: '1', checked: true }]);

      // One archived line removed, or altered: verify fails, naming the event.
      const removed = await verifyCommand(broker, [tamperedCopy(archive, 3, () => undefined)]);
      expect(removed.run.code).toBe(1);
      expect(removed.report.ok).toBe(false);
      expect(removed.report.findings).toContainEqual(
        expect.objectContaining({ kind: 'gap', fromId: '3', toId: '3', message: 'Event 3 is missing' }),
      );
      expect(removed.report.findings.map((finding) => finding.kind)).toContain('archive-invalid');
      const altered = await verifyInProcess(broker, [
        tamperedCopy(archive, 2, (line) => line.replace('"subject":"user:admin"', '"subject":"user:someone"')),
      ]);
      expect(altered.ok).toBe(false);
      expect(altered.findings).toContainEqual(
        expect.objectContaining({ kind: 'hash-mismatch', fromId: '2', toId: '2' }),
      );

      // A second archive continues from the first; the first prune's own event goes with it.
      await sleep(5);
      const second = join(directory, 'second.ndjson');
      const cutoff2 = new Date();
      await sleep(5);
      await broker.as('admin').post(`${path}/request`).send({}).expect(200);
      expect((await run(broker, 'audit:archive', ['--before', cutoff2.toISOString(), '--out', second])).code).toBe(0);
      const pruned2 = await run(broker, 'audit:prune', ['--archive', second]);
      expect(pruned2.stderr).toBe('');
      const both = await verifyCommand(broker, [second, archive]);
      expect(both.report.findings).toEqual([]);
      expect(both.report.archived.map((range) => range.checked)).toEqual([true, true]);
      const onlySecond = await verifyInProcess(broker, [second]);
      expect(onlySecond.ok).toBe(true);
      expect(onlySecond.unchecked).toEqual([{ fromId: '1', toId: String(summary.lastId) }]);
      // The older archive alone does not connect to the database: the second's range lies between.
      const onlyFirst = await verifyInProcess(broker, [archive]);
      expect(onlyFirst.findings.map((finding) => finding.kind)).toContain('archive-missing');
      // The first archive again: its events are no longer where the database's chain starts.
      const headBefore = await ids(broker);
      await expect(broker.app.get(AuditArchives).prune(OPERATOR, archive)).rejects.toThrow(
        'Not pruned, nothing changed',
      );
      expect(await ids(broker)).toEqual(headBefore);

      // A chain broken in the database is not archived, and no file is left.
      for (let read = 0; read < 3; read++) await broker.as('admin').post(`${path}/request`).send({}).expect(200);
      await broker.app.get(AuditCheckpointWriter).writeNow();
      const { head } = await ids(broker);
      await broker.app.get(DataSource).query(`DELETE FROM audit_events WHERE id = ${head - 1}`);
      const broken = join(directory, 'broken.ndjson');
      const refusedBroken = await run(broker, 'audit:archive', ['--before', new Date().toISOString(), '--out', broken]);
      expect(refusedBroken.code).toBe(1);
      expect(refusedBroken.stderr).toContain(`Not archived: event ${head - 1} missing; run verify`);
      expect(existsSync(broken)).toBe(false);
    });
  }, 600_000);

  it('a prune past a key epoch marker keeps the epoch: no second marker at start, and verify walks on under the new key', async () => {
    const keyA = randomBytes(32).toString('base64');
    const keyB = randomBytes(32).toString('base64');
    const onlyB = { ENCRYPTION_KEYS: `key-b:${keyB}` };
    await withBroker({ ENCRYPTION_KEYS: `key-a:${keyA}` }, async (broker) => {
      await broker.as('admin').get('/v1/audit-events').query({ limit: 1 }).expect(200);
      await broker.restart(undefined, {
        ENCRYPTION_KEYS: `key-a:${keyA},key-b:${keyB}`,
        ENCRYPTION_KEY_ACTIVE: 'key-b',
      });
      await broker.app.get(KekRewrapService).run({ batchSize: 10 });
      await broker.restart(undefined, onlyB);
      const markers = () =>
        broker.app.get(DataSource).query<unknown[]>(`SELECT id FROM audit_events WHERE subject = 'system:key-epoch'`);
      expect(await markers()).toHaveLength(1);
      for (let read = 0; read < 2; read++) await broker.as('admin').get('/v1/audit-events').query({ limit: 1 });
      await sleep(5);
      const cutoff = new Date();
      await sleep(5);
      await broker.as('admin').get('/v1/audit-events').query({ limit: 1 }).expect(200);

      const archive = join(directory, 'epochs.ndjson');
      const archives = broker.app.get(AuditArchives);
      await archives.write(cutoff, archive);
      await archives.prune(OPERATOR, archive);
      expect(await markers()).toEqual([]);

      await broker.restart(undefined, onlyB);
      expect(await markers()).toEqual([]);
      await broker.as('admin').get('/v1/audit-events').query({ limit: 1 }).expect(200);
      await broker.app.get(AuditCheckpointWriter).writeNow();
      const alone = await routeVerify(broker);
      expect(alone.findings).toEqual([]);
      const whole = await broker.app.get(AuditQueryService).verifyChain([archive]);
      expect(whole.findings).toEqual([]);
      expect(whole.ok).toBe(true);
    });
  }, 300_000);
});
