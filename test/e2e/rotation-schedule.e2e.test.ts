import { DataSource } from 'typeorm';
import { describe, expect, it } from 'vitest';
import { createNamespace, secretsPath } from '../factories/index.js';
import { SecretRecordEntity } from '../../src/secrets/entities/secret-record.entity.js';
import { RotationScheduler } from '../../src/rotation/rotation-scheduler.service.js';
import { ManualClock } from '../support/clock.js';
import { useBroker } from '../support/use-broker.js';
import type { Broker } from '../support/broker.js';
import { createScheduled, currentVersion, schedulerEvents } from '../support/rotation.js';

// The scheduler runs when a test moves the clock and calls it, never on its own timer.
const SCHEDULE = {
  ROTATION_MIN_INTERVAL_SECONDS: '1',
  ROTATION_TICK_SECONDS: '3600',
  ROTATION_JITTER_SECONDS: '0',
  ROTATION_RETRY_BASE_SECONDS: '0.5',
};

describe('scheduled rotation', () => {
  const clock = new ManualClock();
  const broker = useBroker(SCHEDULE, { clock });
  /** Moves the clock by `ms`, then lets the scheduler look for due work at that time. */
  const pass = async (ms: number) => {
    clock.advance(ms);
    await broker.app.get(RotationScheduler).tick();
  };

  it('shows nextRotationAt and rotates on the interval, audited as system:scheduler', async () => {
    const namespace = await createNamespace(broker);
    const before = clock.now();
    await createScheduled(broker, namespace, 'db-main', { intervalSeconds: 1 });
    const view = (await broker.as('admin').get(secretsPath(namespace, 'db-main')).expect(200)).body as {
      nextRotationAt: string;
    };
    const next = new Date(view.nextRotationAt).getTime();
    expect(next).toBeGreaterThanOrEqual(before + 1_000);
    expect(next).toBeLessThanOrEqual(clock.now() + 1_000);

    await pass(999);
    expect(await currentVersion(broker, namespace, 'db-main')).toBe(1);
    for (let interval = 0; interval < 4; interval += 1) await pass(interval === 0 ? 1 : 1_000);
    const version = await currentVersion(broker, namespace, 'db-main');
    // Version 1 was the create; four intervals, four rotations.
    expect(version).toBe(5);
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
    expect(next.getTime()).toBeGreaterThan(clock.now());
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
    await dueNow(broker, clock, namespace, 'flaky');
    // Fails at once, then after 0.5 s, then after 1 s: the third try succeeds.
    await pass(0);
    await pass(499);
    expect(await currentVersion(broker, namespace, 'flaky')).toBe(1);
    await pass(1);
    await pass(999);
    expect(await currentVersion(broker, namespace, 'flaky')).toBe(1);
    await pass(1);
    expect(await currentVersion(broker, namespace, 'flaky')).toBe(2);
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
    expect(new Date(view.nextRotationAt).getTime()).toBeGreaterThan(clock.now() + 20_000);
  });

  it('catches up after downtime with one rotation, not one per missed slot', async () => {
    const namespace = await createNamespace(broker);
    await createScheduled(broker, namespace, 'sleeper', { intervalSeconds: 1 });
    await pass(1_000);
    const beforeDowntime = await currentVersion(broker, namespace, 'sleeper');
    expect(beforeDowntime).toBe(2);
    // Three and a half slots pass while no broker runs.
    await broker.restart(async () => clock.advance(3_500));
    await pass(0);
    const caughtUp = await currentVersion(broker, namespace, 'sleeper');
    // One catch-up run, not one per missed slot.
    expect(caughtUp - beforeDowntime).toBe(1);
    const view = (await broker.as('admin').get(secretsPath(namespace, 'sleeper')).expect(200)).body as {
      nextRotationAt: string;
    };
    expect(new Date(view.nextRotationAt).getTime()).toBeGreaterThan(clock.now());
  });
});

/** Moves the secret's slot to the clock's time, as if its time had come. */
async function dueNow(broker: Broker, clock: ManualClock, namespace: string, name: string): Promise<void> {
  await broker.app
    .get(DataSource)
    .getRepository(SecretRecordEntity)
    .update({ namespace, name }, { nextRotationAt: new Date(clock.now()) });
}
