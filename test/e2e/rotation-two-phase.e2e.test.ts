import { describe, expect, it } from 'vitest';
import { ClusterGateway } from '../../src/cluster/cluster.gateway.js';
import { RotationScheduler } from '../../src/rotation/rotation-scheduler.service.js';
import { VERSION_ANNOTATION } from '../../src/secrets/secret-labels.js';
import { SecretVersionStore } from '../../src/secrets/secret-version.store.js';
import { createNamespace, secretsPath, type SecretValuesBody } from '../factories/index.js';
import type { Broker } from '../support/broker.js';
import { ManualClock } from '../support/clock.js';
import { createConsumerDeployment, kubeClients } from '../support/kube.js';
import { timeUntil } from '../support/replica.js';
import { createScheduled } from '../support/rotation.js';
import { useBroker } from '../support/use-broker.js';

const GRACE_SECONDS = 2;
const TWO_PHASE = { strategy: 'two-phase', graceSeconds: GRACE_SECONDS };

async function clusterData(broker: Broker, namespace: string, name: string): Promise<Record<string, string>> {
  const secret = await kubeClients(broker.emulator).core.readNamespacedSecret({ namespace, name });
  return Object.fromEntries(
    Object.entries(secret.data ?? {}).map(([key, value]) => [key, Buffer.from(value, 'base64').toString()]),
  );
}

async function requestValues(broker: Broker, namespace: string, name: string, keys?: string[]) {
  const body = (
    await broker
      .as('admin')
      .post(`${secretsPath(namespace, name)}/request`)
      .send(keys ? { keys } : {})
      .expect(200)
  ).body as SecretValuesBody;
  return { version: body.version, values: Object.fromEntries(body.values.map((item) => [item.key, item.value])) };
}

async function versionStates(broker: Broker, namespace: string, name: string): Promise<Record<number, string>> {
  const body = (
    await broker
      .as('admin')
      .get(`${secretsPath(namespace, name)}/versions`)
      .expect(200)
  ).body as Array<{
    version: number;
    state: string;
  }>;
  return Object.fromEntries(body.map((version) => [version.version, version.state]));
}

const rotate = (broker: Broker, namespace: string, name: string) =>
  broker
    .as('admin')
    .post(`${secretsPath(namespace, name)}/rotate`)
    .send({ reason: 'two-phase' })
    .expect(200);

describe('two-phase rotation', () => {
  // The scheduler ends grace periods when the test moves the clock and calls it.
  const clock = new ManualClock();
  const broker = useBroker({ ROTATION_TICK_SECONDS: '3600' }, { clock });
  const pass = async (ms: number) => {
    clock.advance(ms);
    await broker.app.get(RotationScheduler).tick();
  };

  it('keeps the previous value beside the new one for the grace period, then removes it in an audited step', async () => {
    const namespace = await createNamespace(broker);
    await createScheduled(broker, namespace, 'db-main', TWO_PHASE);
    const old = (await requestValues(broker, namespace, 'db-main')).values.password;
    const rotated = await rotate(broker, namespace, 'db-main');
    expect(rotated.body.secret.graceEndsAt).toBeTruthy();

    const during = await clusterData(broker, namespace, 'db-main');
    expect(during['password.previous']).toBe(old);
    expect(during.password).not.toBe(old);
    const current = await requestValues(broker, namespace, 'db-main');
    expect(current).toEqual({ version: 2, values: { password: during.password } });
    expect((await requestValues(broker, namespace, 'db-main', ['password.previous'])).values).toEqual({
      'password.previous': old,
    });
    expect(await versionStates(broker, namespace, 'db-main')).toEqual({ 1: 'previous', 2: 'current' });

    await pass(GRACE_SECONDS * 1000 - 1);
    expect(Object.keys(await clusterData(broker, namespace, 'db-main')).sort()).toEqual([
      'password',
      'password.previous',
    ]);
    await pass(1);
    expect(await clusterData(broker, namespace, 'db-main')).toEqual({ password: during.password });
    expect(await versionStates(broker, namespace, 'db-main')).toEqual({ 1: 'deprecated', 2: 'current' });
    const view = (await broker.as('admin').get(secretsPath(namespace, 'db-main')).expect(200)).body as {
      graceEndsAt: string | null;
      drifted: boolean;
    };
    expect(view).toMatchObject({ graceEndsAt: null, drifted: false });
    const audit = (
      await broker
        .as('admin')
        .get('/v1/audit-events')
        .query({ subject: 'system:scheduler', namespace, name: 'db-main' })
        .expect(200)
    ).body as { items: Array<{ outcome: string; reason: string }> };
    expect(audit.items.map((event) => event.outcome).sort()).toEqual(['allowed', 'succeeded']);
    expect(audit.items.find((event) => event.outcome === 'allowed')?.reason).toMatch(/grace period over/);
  });

  it('a rotation during a grace period keeps only the value it replaces as previous', async () => {
    const namespace = await createNamespace(broker);
    await createScheduled(broker, namespace, 'twice', TWO_PHASE);
    await rotate(broker, namespace, 'twice');
    const second = await clusterData(broker, namespace, 'twice');
    await rotate(broker, namespace, 'twice');
    const third = await clusterData(broker, namespace, 'twice');
    expect(Object.keys(third).sort()).toEqual(['password', 'password.previous']);
    expect(third['password.previous']).toBe(second.password);
  });

  it('restarts the consumers in batches, restartIntervalSeconds apart', async () => {
    const namespace = await createNamespace(broker);
    await createScheduled(broker, namespace, 'shared', {
      ...TWO_PHASE,
      restartWorkloads: true,
      restartBatchSize: 1,
      restartIntervalSeconds: 1,
    });
    await createConsumerDeployment(broker.emulator, namespace, 'api', 'shared');
    await createConsumerDeployment(broker.emulator, namespace, 'worker', 'shared');
    const rotatedAt = Date.now();
    const rotated = await rotate(broker, namespace, 'shared');
    expect(rotated.body.restarted).toHaveLength(1);
    const { apps } = kubeClients(broker.emulator);
    const restartedCount = async () => {
      const listed = await apps.listNamespacedDeployment({ namespace });
      return listed.items.filter(
        (deployment) => deployment.spec?.template.metadata?.annotations?.['kubectl.kubernetes.io/restartedAt'],
      ).length;
    };
    expect(await restartedCount()).toBe(1);
    // The second batch waits restartIntervalSeconds of real time (a timer, not a clock reading).
    await timeUntil(async () => (await restartedCount()) === 2, 2_000, 50);
    expect(Date.now() - rotatedAt).toBeGreaterThanOrEqual(1_000);
  });
});

describe('two-phase rotation interrupted between its phases', () => {
  // No scheduler: only the reconciler at start can finish the second phase.
  const clock = new ManualClock();
  const broker = useBroker({ ROTATION_SCHEDULER: 'false', RECONCILE_GRACE_SECONDS: '0' }, { clock });

  it('is completed by the reconciler when the broker starts again', async () => {
    const namespace = await createNamespace(broker);
    await createScheduled(broker, namespace, 'db-main', TWO_PHASE);
    await rotate(broker, namespace, 'db-main');
    await broker.restart(async () => clock.advance(GRACE_SECONDS * 1000));
    const after = await clusterData(broker, namespace, 'db-main');
    expect(Object.keys(after)).toEqual(['password']);
    expect(await versionStates(broker, namespace, 'db-main')).toEqual({ 1: 'deprecated', 2: 'current' });
    const audit = (
      await broker
        .as('admin')
        .get('/v1/audit-events')
        .query({ subject: 'system:reconciler', namespace, name: 'db-main' })
        .expect(200)
    ).body as { items: Array<{ outcome: string; action: string }> };
    expect(audit.items.filter((event) => event.outcome === 'succeeded' && event.action === 'rotate')).toHaveLength(1);
  });

  it('a rotation that reached the cluster but was never marked current is promoted, then its grace period ended', async () => {
    const namespace = await createNamespace(broker);
    await createScheduled(broker, namespace, 'cut', TWO_PHASE);
    const old = await clusterData(broker, namespace, 'cut');
    // The first phase's cluster write happens, and the process dies before the version is promoted.
    const store = broker.app.get(SecretVersionStore);
    const record = await store.findRecord(namespace, 'cut');
    if (!record) throw new Error('no record');
    const values = { password: Buffer.from('the-new-value') };
    const pending = await store.addPending(record, { values, reason: 'rotate', createdBy: 'system:scheduler' });
    const cluster = broker.app.get(ClusterGateway);
    const live = await cluster.getSecret(namespace, 'cut');
    if (!live) throw new Error('no secret');
    await cluster.replaceSecret(
      {
        ...live,
        data: { ...values, 'password.previous': Buffer.from(old.password) },
        annotations: { ...live.annotations, [VERSION_ANNOTATION]: String(pending.version) },
      },
      live.resourceVersion,
    );
    await broker.restart(async () => clock.advance(GRACE_SECONDS * 1000));
    expect(await clusterData(broker, namespace, 'cut')).toEqual({ password: 'the-new-value' });
    expect(await versionStates(broker, namespace, 'cut')).toEqual({ 1: 'deprecated', 2: 'current' });
  });

  it('without the scheduler the previous value stays until then', async () => {
    const namespace = await createNamespace(broker);
    await createScheduled(broker, namespace, 'waiting', TWO_PHASE);
    await rotate(broker, namespace, 'waiting');
    clock.advance(GRACE_SECONDS * 1000);
    expect(Object.keys(await clusterData(broker, namespace, 'waiting')).sort()).toEqual([
      'password',
      'password.previous',
    ]);
  });
});
