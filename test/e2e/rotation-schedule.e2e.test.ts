import { setTimeout as sleep } from 'node:timers/promises';
import { DataSource } from 'typeorm';
import { describe, expect, it } from 'vitest';
import { createNamespace, secretsPath } from '../factories/index.js';
import { timeUntil } from '../support/replica.js';
import { useBroker } from '../support/use-broker.js';
import type { Broker } from '../support/broker.js';
import { createScheduled, currentVersion, schedulerEvents } from '../support/rotation.js';

const SCHEDULE = {
  ROTATION_MIN_INTERVAL_SECONDS: '1',
  ROTATION_TICK_SECONDS: '0.1',
  ROTATION_JITTER_SECONDS: '0',
  ROTATION_RETRY_BASE_SECONDS: '0.5',
};

describe('scheduled rotation', () => {
  const broker = useBroker(SCHEDULE);

  it('shows nextRotationAt and rotates on the interval, audited as system:scheduler', async () => {
    const namespace = await createNamespace(broker);
    const before = Date.now();
    await createScheduled(broker, namespace, 'db-main', { intervalSeconds: 1 });
    const view = (await broker.as('admin').get(secretsPath(namespace, 'db-main')).expect(200)).body as {
      nextRotationAt: string;
    };
    const next = new Date(view.nextRotationAt).getTime();
    expect(next).toBeGreaterThanOrEqual(before + 1_000);
    expect(next).toBeLessThanOrEqual(Date.now() + 1_000);

    await sleep(4_300);
    const version = await currentVersion(broker, namespace, 'db-main');
    // Version 1 was the create; four intervals, four rotations (±1).
    expect(version - 1).toBeGreaterThanOrEqual(3);
    expect(version - 1).toBeLessThanOrEqual(5);
    const events = await schedulerEvents(broker, namespace, 'db-main');
    const succeeded = events.filter((event) => event.action === 'rotate' && event.outcome === 'succeeded');
    expect(succeeded).toHaveLength(version - 1);
    const slots = events.filter((event) => event.outcome === 'allowed').map((event) => event.reason);
    expect(new Set(slots).size).toBe(slots.length);
    const value = (
      await broker
        .as('admin')
        .post(`${secretsPath(namespace, 'db-main')}/request`)
        .send({})
        .expect(200)
    ).body as { values: Array<{ value: string }> };
    expect(JSON.stringify([events, broker.logLines])).not.toContain(value.values[0].value);
    const metrics = (await broker.http().get('/metrics').expect(200)).text;
    expect(metrics).toMatch(/scheduled_rotations_total\{outcome="succeeded"\} [1-9]/);
  });

  it('takes the GraphQL view too', async () => {
    const namespace = await createNamespace(broker);
    await createScheduled(broker, namespace, 'cron-secret', { schedule: '0 3 * * *' });
    const response = await broker
      .as('admin')
      .post('/graphql')
      .send({
        query: `query { secret(namespace: "${namespace}", name: "cron-secret") { nextRotationAt drifted driftedKeys } }`,
      })
      .expect(200);
    const secret = (response.body as { data: { secret: { nextRotationAt: string } } }).data.secret;
    const next = new Date(secret.nextRotationAt);
    expect(next.getUTCHours()).toBe(3);
    expect(next.getUTCMinutes()).toBe(0);
    expect(next.getTime()).toBeGreaterThan(Date.now());
  });

  it('refuses an interval below the configured minimum and a bad cron expression', async () => {
    const namespace = await createNamespace(broker);
    const post = (policy: Record<string, unknown>) =>
      broker
        .as('admin')
        .post(secretsPath(namespace))
        .send({ name: 'refused', generate: { password: { type: 'password' } }, rotationPolicy: policy });
    await post({ intervalSeconds: 0 }).expect(400);
    await post({ schedule: 'every day' }).expect(422);
    await post({ schedule: '* * * * *', intervalSeconds: 60 }).expect(422);
    await post({ strategy: 'two-phase' }).expect(422);
    await broker
      .as('admin')
      .post(secretsPath(namespace))
      .send({ name: 'refused', data: { password: 'given' }, rotationPolicy: { intervalSeconds: 60 } })
      .expect(422);
  });

  it('retries a failed rotation with backoff and announces rotation.failed', async () => {
    const namespace = await createNamespace(broker);
    await createScheduled(broker, namespace, 'flaky', { intervalSeconds: 30 });
    const path = new RegExp(`^/api/v1/namespaces/${namespace}/secrets/flaky$`);
    broker.emulator.faults.inject({ method: 'PUT', path, status: 422, times: 2 });
    await dueNow(broker, namespace, 'flaky');
    // Fails at once, then after 0.5 s, then after 1 s: the third try succeeds.
    await timeUntil(async () => (await currentVersion(broker, namespace, 'flaky')) === 2, 5_000, 100);
    const failed = await broker.app
      .get(DataSource)
      .query<Array<{ type: string; subject: string; details: string }>>(
        `SELECT type, subject, details FROM lifecycle_events WHERE namespace = '${namespace}' AND type = 'rotation.failed'`,
      );
    expect(failed).toHaveLength(2);
    expect(failed[0].subject).toBe('system:scheduler');
    const events = await schedulerEvents(broker, namespace, 'flaky');
    expect(events.filter((event) => event.outcome === 'failed')).toHaveLength(2);
    expect(events.filter((event) => event.outcome === 'succeeded')).toHaveLength(1);
    const view = (await broker.as('admin').get(secretsPath(namespace, 'flaky')).expect(200)).body as {
      nextRotationAt: string;
    };
    expect(new Date(view.nextRotationAt).getTime()).toBeGreaterThan(Date.now() + 20_000);
  });

  it('catches up after downtime with one rotation, not one per missed slot', async () => {
    const namespace = await createNamespace(broker);
    await createScheduled(broker, namespace, 'sleeper', { intervalSeconds: 1 });
    await timeUntil(async () => (await currentVersion(broker, namespace, 'sleeper')) >= 2, 3_000, 50);
    const beforeDowntime = await currentVersion(broker, namespace, 'sleeper');
    // Three and a half slots pass while no broker runs.
    await broker.restart(() => sleep(3_500));
    await sleep(600);
    const caughtUp = await currentVersion(broker, namespace, 'sleeper');
    // One catch-up run (plus at most one that ran just before the stop), not one per missed slot.
    expect(caughtUp - beforeDowntime).toBeGreaterThanOrEqual(1);
    expect(caughtUp - beforeDowntime).toBeLessThanOrEqual(2);
    const view = (await broker.as('admin').get(secretsPath(namespace, 'sleeper')).expect(200)).body as {
      nextRotationAt: string;
    };
    expect(new Date(view.nextRotationAt).getTime()).toBeGreaterThan(Date.now() - 200);
  });
});

/** Moves the secret's slot to now, as if its time had come. */
async function dueNow(broker: Broker, namespace: string, name: string): Promise<void> {
  await broker.app
    .get(DataSource)
    .query(
      `UPDATE secrets SET next_rotation_at = ${nowSql(broker)} WHERE namespace = '${namespace}' AND name = '${name}'`,
    );
}

function nowSql(broker: Broker): string {
  return broker.app.get(DataSource).options.type === 'postgres' ? 'now()' : `strftime('%Y-%m-%d %H:%M:%f', 'now')`;
}
