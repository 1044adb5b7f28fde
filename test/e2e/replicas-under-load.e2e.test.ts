import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  freePort,
  startLoad,
  startBrokerProcess,
  startProcessEnvironment,
  type BrokerProcess,
  type ProcessEnvironment,
} from '../support/broker-process.js';
import { postgresBaseUrl } from '../support/database.js';
import type { LoadReport } from '../support/load-generator.js';
import { call } from '../support/process-client.js';
import { querySql } from '../support/sql.js';
import { tokenFor } from '../support/tokens.js';

const REPLICAS = 3;
// Readers and rotators are paced at one request a second each, so none reaches the per-subject
// limit even when a slow restart stretches the run to 45 s, while the `limited` subject is sent
// well past it.
const RATE_LIMIT_PER_MINUTE = 60;
const READERS = Array.from({ length: 30 }, (_, index) => `load-${index}`);
const READS_PER_SECOND = READERS.length;
const ROTATORS = Array.from({ length: 4 }, (_, index) => `rotator-${index}`);
const LIMITED_PER_SECOND = 25;
const KILL_AFTER_MS = 3_000;
const LOAD_AFTER_RESTART_MS = 2_000;
const secrets = '/v1/namespaces/default/secrets';

/**
 * Three broker processes on one PostgreSQL database and one Redis, under load from a process of
 * its own; one is SIGKILLed mid-load and restarted on its port. PostgreSQL only: several
 * processes on one SQLite file is not a supported deployment.
 */
describe.skipIf(postgresBaseUrl() === undefined)('three replicas under load, one killed and restarted', () => {
  let environment: ProcessEnvironment;
  const replicas: BrokerProcess[] = [];
  let report: LoadReport;
  const events: string[] = [];

  beforeAll(async () => {
    environment = await startProcessEnvironment({
      REDIS_URL: 'redis://127.0.0.1:6379',
      REDIS_KEY_PREFIX: `test-${randomBytes(6).toString('hex')}:`,
      RATE_LIMIT_PER_MINUTE: String(RATE_LIMIT_PER_MINUTE),
      BOOTSTRAP_ADMINS: ['admin', ...READERS, ...ROTATORS].map((subject) => `user:${subject}`).join(','),
      LOG_LEVEL: 'warn',
      ROTATION_SCHEDULER: 'false',
    });
    const ports = await Promise.all(Array.from({ length: REPLICAS }, () => freePort()));
    // The first applies the migrations; the others start beside it.
    replicas.push(await startBrokerProcess(environment.env, ports[0]));
    replicas.push(...(await Promise.all(ports.slice(1).map((port) => startBrokerProcess(environment.env, port)))));

    for (const name of ['load-read', 'load-rotate']) {
      const created = await call(replicas[0].url, 'POST', secrets, {
        sub: 'admin',
        body: { name, generate: { password: { type: 'password' } } },
      });
      expect(created.status).toBe(201);
    }

    const load = await startLoad({
      targets: replicas.map((replica) => replica.url),
      kinds: [
        {
          name: 'read',
          workers: 12,
          method: 'POST',
          path: `${secrets}/load-read/request`,
          body: {},
          tokens: READERS.map((reader) => tokenFor(reader)),
          ratePerSecond: READS_PER_SECOND,
        },
        {
          name: 'rotate',
          workers: 1,
          method: 'POST',
          path: `${secrets}/load-rotate/rotate`,
          body: { generate: { password: { type: 'password' } } },
          tokens: ROTATORS.map((rotator) => tokenFor(rotator)),
          ratePerSecond: ROTATORS.length,
        },
        {
          name: 'limited',
          workers: 3,
          method: 'GET',
          path: '/v1/whoami',
          tokens: [tokenFor('limited')],
          ratePerSecond: LIMITED_PER_SECOND,
        },
      ],
    });
    await sleep(KILL_AFTER_MS);
    const victim = replicas[REPLICAS - 1];
    await victim.kill();
    events.push(`killed replica ${REPLICAS - 1} at ${KILL_AFTER_MS} ms`);
    const restarted = Date.now();
    replicas[REPLICAS - 1] = await startBrokerProcess(environment.env, victim.port);
    events.push(`replica ${REPLICAS - 1} ready again after ${Date.now() - restarted} ms`);
    await sleep(LOAD_AFTER_RESTART_MS);
    report = await load.stop();
    console.log(JSON.stringify({ events, report: summary(report) }));
  }, 240_000);

  afterAll(async () => {
    await Promise.all(replicas.map((replica) => replica.kill()));
    await environment?.close();
  });

  it('answers every request 2xx or a clean 5xx (connections broken only by the kill)', () => {
    for (const name of ['read', 'rotate'] as const) {
      const kind = report[name];
      expect(kind.ok).toBeGreaterThan(0);
      const refused = Object.entries(kind.statuses).filter(([status]) => Number(status) < 500);
      expect(refused).toEqual([]);
    }
    const broken = report.read.brokenInFlight + report.rotate.brokenInFlight + report.limited.brokenInFlight;
    // Only the requests the killed process held when it died (12 + 1 + 3 workers at most).
    expect(broken).toBeLessThanOrEqual(16);
  });

  it('loses no audit event: one allowed read event per read served, plus at most the broken ones', async () => {
    const [row] = await querySql<{ count: string | number }>(
      environment.database.url,
      "SELECT COUNT(*) AS count FROM audit_events WHERE action = 'read' AND outcome = 'allowed' AND subject LIKE 'user:load-%'",
    );
    const recorded = Number(row.count);
    expect(recorded).toBeGreaterThanOrEqual(report.read.ok);
    expect(recorded).toBeLessThanOrEqual(report.read.ok + report.read.brokenInFlight);
  });

  it('keeps one audit chain that verifies', async () => {
    const verification = await call(replicas[0].url, 'GET', '/v1/audit-events/verify', { sub: 'admin' });
    expect(verification.status).toBe(200);
    expect(verification.body).toMatchObject({ ok: true, findings: [] });
  });

  it('loses no version: every acknowledged rotation is stored, and the current version is at least the newest', async () => {
    const rows = await querySql<{ version: number; current: number }>(
      environment.database.url,
      "SELECT v.version AS version, s.current_version AS current FROM secret_versions v JOIN secrets s ON s.id = v.secret_id WHERE s.name = 'load-rotate'",
    );
    const stored = new Set(rows.map((row) => Number(row.version)));
    const acknowledged = report.rotate.versions;
    expect(acknowledged.length).toBeGreaterThan(0);
    expect(acknowledged.filter((version) => !stored.has(version))).toEqual([]);
    expect(Number(rows[0].current)).toBeGreaterThanOrEqual(Math.max(...acknowledged));
    expect(new Set(acknowledged).size).toBe(acknowledged.length);
  });

  it('holds the per-subject limit across the three replicas (shared through Redis)', () => {
    const { ok, statuses, brokenInFlight } = report.limited;
    expect(ok).toBeLessThanOrEqual(RATE_LIMIT_PER_MINUTE);
    expect(ok).toBeGreaterThanOrEqual(RATE_LIMIT_PER_MINUTE - brokenInFlight);
    expect(statuses['429']).toBeGreaterThan(0);
  });
});

function summary(report: LoadReport): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(report).map(([name, kind]) => [
      name,
      {
        sent: kind.sent,
        ok: kind.ok,
        statuses: kind.statuses,
        brokenInFlight: kind.brokenInFlight,
        rerouted: kind.rerouted,
      },
    ]),
  );
}
