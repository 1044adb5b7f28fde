import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ClusterGateway } from '../../src/cluster/cluster.gateway.js';
import { RotationScheduler } from '../../src/rotation/rotation-scheduler.service.js';
import { createNamespace } from '../factories/index.js';
import { sharedEnvironmentOf } from '../support/broker.js';
import { freePort, startBrokerProcess, type BrokerProcess } from '../support/broker-process.js';
import { postgresBaseUrl } from '../support/database.js';
import { useBroker } from '../support/use-broker.js';
import { createScheduled, currentVersion, schedulerEvents } from '../support/rotation.js';

const SCHEDULE = {
  ROTATION_MIN_INTERVAL_SECONDS: '1',
  ROTATION_TICK_SECONDS: '0.4',
  ROTATION_JITTER_SECONDS: '0.3',
};
// The child looks more often, so it takes most slots until it is killed and the test's replica takes over.
const CHILD_SCHEDULE = { ...SCHEDULE, ROTATION_TICK_SECONDS: '0.1' };
const INTERVAL_SECONDS = 1;
const INTERVALS = 8;

describe.skipIf(!postgresBaseUrl())('scheduled rotation on two replicas of one PostgreSQL database', () => {
  const broker = useBroker(SCHEDULE);
  let other: BrokerProcess | undefined;

  beforeAll(async () => {
    const env = { ...sharedEnvironmentOf(broker), ...CHILD_SCHEDULE };
    other = await startBrokerProcess(env, await freePort());
  }, 120_000);
  afterAll(async () => {
    await other?.kill();
  });

  it('rotates once per slot, audited as system:scheduler, and a SIGKILLed replica changes nothing', async () => {
    const namespace = await createNamespace(broker);
    await createScheduled(broker, namespace, 'shared', { intervalSeconds: INTERVAL_SECONDS });
    await sleep((INTERVALS / 2) * INTERVAL_SECONDS * 1000);
    await other?.kill();
    await sleep((INTERVALS / 2) * INTERVAL_SECONDS * 1000 + 400);
    // The window closes: the remaining replica stops scheduling, so what follows is read at rest.
    await broker.app.get(RotationScheduler).stop();

    const current = await currentVersion(broker, namespace, 'shared');
    // Counted as versions made by rotation (a run the kill cut short may have taken a version number).
    const versions = (await broker.as('admin').get(`/v1/namespaces/${namespace}/secrets/shared/versions`).expect(200))
      .body as Array<{ reason: string }>;
    const rotations = versions.filter((version) => version.reason === 'rotate').length;
    expect(rotations).toBeGreaterThanOrEqual(INTERVALS - 1);
    expect(rotations).toBeLessThanOrEqual(INTERVALS + 1);
    const events = await schedulerEvents(broker, namespace, 'shared');
    expect(events.every((event) => event.subject === 'system:scheduler')).toBe(true);
    const succeeded = events.filter((event) => event.outcome === 'succeeded');
    const slots = events.filter((event) => event.outcome === 'allowed').map((event) => event.reason);
    // Never two runs for one slot; every run that started finished (or was the one the kill cut short).
    expect(new Set(slots).size).toBe(slots.length);
    // The kill may cut one run short after its version became current but before its outcome was
    // audited: that intent stays open until a reconciler settles it at start.
    expect(rotations - succeeded.length).toBeGreaterThanOrEqual(0);
    expect(rotations - succeeded.length).toBeLessThanOrEqual(1);
    expect(slots.length - succeeded.length).toBeLessThanOrEqual(1);
    expect(events.filter((event) => event.outcome === 'failed')).toHaveLength(0);
    // Both replicas took slots (the request id names the process).
    const processes = new Set(succeeded.map((event) => event.requestId.split('-')[1]));
    expect(processes).toEqual(new Set([String(process.pid), String(other?.child.pid)]));
    // Each replica's watch sees the other's writes: none of them is taken for drift.
    const drift = await broker.as('admin').get('/v1/audit-events').query({ verb: 'drift', namespace }).expect(200);
    expect(drift.body.items).toHaveLength(0);
    expect((await broker.as('admin').get(`/v1/namespaces/${namespace}/secrets/shared`).expect(200)).body.drifted).toBe(
      false,
    );
    // Both replicas appended to one audit chain, and it still verifies.
    const verify = await broker.as('admin').get('/v1/audit-events/verify').expect(200);
    expect(verify.body).toMatchObject({ ok: true, firstBrokenId: null });
    const live = await broker.app.get(ClusterGateway).getSecret(namespace, 'shared');
    expect(live?.annotations['secrets-broker.io/version']).toBe(String(current));
  }, 30_000);
});
