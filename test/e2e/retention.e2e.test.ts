import { DataSource } from 'typeorm';
import { describe, expect, it, vi } from 'vitest';
import { Clock } from '../../src/common/time/clock.js';
import { RetentionSweeper } from '../../src/retention/retention.sweeper.js';
import {
  askForAccess,
  createAccessPolicy,
  createNamespace,
  createRole,
  createSecret,
  grantRole,
  reviewAccess,
  secretsPath,
} from '../factories/index.js';
import { createServiceAccount, leaseRequest } from '../factories/leases.js';
import type { TestBroker } from '../support/broker.js';
import { startFlakyReceiver } from '../support/flaky-receiver.js';
import { withBroker } from '../support/use-broker.js';

const DAY_MS = 86_400_000;
// The receiver is plain http:// on this machine: accepted in development behaviour only.
const FAST = { NODE_ENV: 'development', WEBHOOK_DISPATCH_SECONDS: '0.1', WEBHOOK_TICK_SECONDS: '0.1' };

async function count(broker: TestBroker, sql: string): Promise<number> {
  const [row] = await broker.app.get(DataSource).query<Array<{ n: number | string }>>(sql);
  return Number(row.n);
}

async function until(check: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** A delivered webhook, a dispatched outbox row, an ended and an active lease: rows of every retained table. */
async function finishedRows(broker: TestBroker, receiverUrl: string): Promise<{ activeLease: string }> {
  const namespace = await createNamespace(broker);
  await broker
    .as('admin')
    .post('/v1/webhooks')
    .send({ url: receiverUrl, eventTypes: ['secret.updated'], namespace })
    .expect(201);
  await createSecret(broker, namespace, { name: 'db', data: { password: 'one' } });
  await broker
    .as('admin')
    .put(secretsPath(namespace, 'db'))
    .send({ data: { password: 'two' } })
    .expect(200);
  await until(
    async () =>
      (await count(broker, "SELECT COUNT(*) AS n FROM webhook_deliveries WHERE state = 'delivered'")) === 1 &&
      (await count(broker, 'SELECT COUNT(*) AS n FROM lifecycle_events WHERE dispatched_at IS NULL')) === 0,
  );
  await createServiceAccount(broker.emulator, namespace, 'job');
  const lease = () => leaseRequest(broker, 'admin', namespace, 'job').send({ ttlSeconds: 3600 }).expect(201);
  const ended = (await lease()).body.lease.id as string;
  await broker.as('admin').delete(`/v1/leases/${ended}`).expect(200);
  const active = (await lease()).body.lease.id as string;
  await until(
    async () => (await count(broker, 'SELECT COUNT(*) AS n FROM lifecycle_events WHERE dispatched_at IS NULL')) === 0,
  );
  return { activeLease: active };
}

const tables = async (broker: TestBroker) => ({
  outbox: await count(broker, 'SELECT COUNT(*) AS n FROM lifecycle_events'),
  deliveries: await count(broker, 'SELECT COUNT(*) AS n FROM webhook_deliveries'),
  leases: await count(broker, 'SELECT COUNT(*) AS n FROM leases'),
});

/** Requests in a namespace of their own, by id: denied, approved for an hour, approved for 30 days, a break-glass use. */
async function accessRequests(broker: TestBroker) {
  const namespace = await createNamespace(broker);
  const approver = (await createRole(broker, { verbs: ['approve'] })).name;
  for (const subject of ['user:bob', 'user:carol']) await grantRole(broker, { subject, role: approver, namespace });
  const { name: policy } = await createAccessPolicy(broker, {
    namespace,
    requesters: ['user:alice', 'user:erin'],
    maxDurationSeconds: 30 * 86_400,
    breakGlass: { subjects: ['user:oncall'], maxDurationSeconds: 900 },
  });
  const ask = async (sub: string, durationSeconds: number, extra: Record<string, unknown> = {}) =>
    (
      await askForAccess(broker, sub, {
        policy,
        namespace,
        role: 'reader',
        durationSeconds,
        reason: 'r',
        ...extra,
      }).expect(201)
    ).body.id as string;
  const review = (id: string, sub: string, body: Record<string, unknown>) =>
    reviewAccess(broker, sub, id, body).expect(201);

  const denied = await ask('alice', 3600);
  await review(denied, 'bob', { decision: 'deny', reason: 'not now' });
  const hour = await ask('alice', 3600);
  await review(hour, 'bob', { decision: 'approve' });
  await review(hour, 'carol', { decision: 'approve' });
  const month = await ask('erin', 30 * 86_400);
  await review(month, 'bob', { decision: 'approve' });
  await review(month, 'carol', { decision: 'approve' });
  const breakGlass = await ask('oncall', 900, { breakGlass: true });
  return { denied, hour, month, breakGlass };
}

const requestIds = async (broker: TestBroker) =>
  (await broker.app.get(DataSource).query<Array<{ id: string }>>('SELECT id FROM access_requests ORDER BY id')).map(
    (row) => row.id,
  );

describe('retention of finished rows', () => {
  it('removes delivered outbox rows, finished deliveries and ended leases once older than their setting, nothing else', async () => {
    const receiver = await startFlakyReceiver(0);
    try {
      await withBroker({ ...FAST, RETENTION_LEASES_DAYS: '10' }, async (broker) => {
        const { activeLease } = await finishedRows(broker, receiver.url);
        const before = await tables(broker);
        expect(before).toMatchObject({ deliveries: 1, leases: 2 });
        expect(before.outbox).toBeGreaterThanOrEqual(2);
        const sweeper = broker.app.get(RetentionSweeper);

        // Young rows stay.
        await sweeper.sweepOnce();
        expect(await tables(broker)).toEqual(before);

        // Eleven days on: the dispatched outbox rows (7 days) and the ended lease (10 days) are past their time.
        const clock = vi.spyOn(broker.app.get(Clock), 'now');
        clock.mockImplementation(() => Date.now() + 11 * DAY_MS);
        await sweeper.sweepOnce();
        expect(await tables(broker)).toEqual({ outbox: 0, deliveries: 1, leases: 1 });
        await broker.as('admin').get(`/v1/leases/${activeLease}`).expect(200);

        // A month on: the delivery (30 days) goes too; the active lease stays.
        clock.mockImplementation(() => Date.now() + 31 * DAY_MS);
        await sweeper.sweepOnce();
        expect(await tables(broker)).toEqual({ outbox: 0, deliveries: 0, leases: 1 });
        await broker.as('admin').get(`/v1/leases/${activeLease}`).expect(200);
        // Audit events are never swept: they leave only by archive and prune.
        expect(await count(broker, 'SELECT MIN(id) AS n FROM audit_events')).toBe(1);
        expect(await count(broker, 'SELECT COUNT(*) AS n FROM audit_events')).toBe(
          await count(broker, 'SELECT MAX(id) AS n FROM audit_events'),
        );
      });
    } finally {
      await receiver.close();
    }
  });

  it('removes ended access requests with their reviews once set, keeping live grants and unreviewed break-glass', async () => {
    await withBroker({ RETENTION_ACCESS_REQUESTS_DAYS: '10' }, async (broker) => {
      const { denied, hour, month, breakGlass } = await accessRequests(broker);
      const reviews = () => count(broker, 'SELECT COUNT(*) AS n FROM access_request_reviews');
      expect(await reviews()).toBe(5);
      const sweeper = broker.app.get(RetentionSweeper);
      await sweeper.sweepOnce();
      expect(await requestIds(broker)).toEqual([denied, hour, month, breakGlass].sort());

      // Eleven days on: the denial and the hour-long grant ended more than ten days ago; the
      // 30-day grant is still live and the break-glass use waits for its post-review.
      const clock = vi.spyOn(broker.app.get(Clock), 'now');
      clock.mockImplementation(() => Date.now() + 11 * DAY_MS);
      await sweeper.sweepOnce();
      expect(await requestIds(broker)).toEqual([month, breakGlass].sort());
      expect(await reviews()).toBe(2);
      await broker.as('bob').get(`/v1/access-requests/${denied}`).expect(404);

      // Post-reviewed, the break-glass use goes like any other; 41 days on, the month's grant has too.
      clock.mockRestore();
      await broker
        .as('bob')
        .post(`/v1/access-requests/${breakGlass}/post-review`)
        .send({ outcome: 'acknowledged' })
        .expect(200);
      vi.spyOn(broker.app.get(Clock), 'now').mockImplementation(() => Date.now() + 41 * DAY_MS);
      await sweeper.sweepOnce();
      expect(await requestIds(broker)).toEqual([]);
      expect(await reviews()).toBe(0);
    });
  });

  it('keeps rows forever with 0, and refuses to start on a setting for a table it does not know', async () => {
    await withBroker({ RETENTION_OUTBOX_DAYS: '0' }, async (broker) => {
      const namespace = await createNamespace(broker);
      await createSecret(broker, namespace, { name: 'db', data: { password: 'one' } });
      // Access requests have no setting here: their default keeps them forever.
      const requests = Object.values(await accessRequests(broker)).sort();
      const outbox = await count(broker, 'SELECT COUNT(*) AS n FROM lifecycle_events');
      vi.spyOn(broker.app.get(Clock), 'now').mockImplementation(() => Date.now() + 3650 * DAY_MS);
      await broker.app.get(RetentionSweeper).sweepOnce();
      expect(await count(broker, 'SELECT COUNT(*) AS n FROM lifecycle_events')).toBe(outbox);
      expect(await requestIds(broker)).toEqual(requests);
    });
    await expect(withBroker({ RETENTION_AUDIT_DAYS: '30' }, () => Promise.resolve())).rejects.toThrow(
      /RETENTION_AUDIT_DAYS names no table with retention/,
    );
    await expect(withBroker({ RETENTION_LEASES_DAYS: 'soon' }, () => Promise.resolve())).rejects.toThrow(
      'Invalid configuration: RETENTION_LEASES_DAYS must be a whole number of days from 0 to 36500',
    );
  });
});
