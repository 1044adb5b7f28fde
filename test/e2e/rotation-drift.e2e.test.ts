import { setTimeout as sleep } from 'node:timers/promises';
import { DriftDetector } from '../../src/rotation/drift-detector.service.js';
import { RotationScheduler } from '../../src/rotation/rotation-scheduler.service.js';
import { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Kubectl } from '../emulator/support.js';
import { createNamespace, secretsPath, type SecretValuesBody } from '../factories/index.js';
import type { Broker } from '../support/broker.js';
import { ManualClock } from '../support/clock.js';
import { kubeClients } from '../support/kube.js';
import { timeUntil } from '../support/replica.js';
import { createScheduled } from '../support/rotation.js';
import { useBroker } from '../support/use-broker.js';

const NOTICED_WITHIN_MS = 5_000;

interface SecretBody {
  currentVersion: number;
  drifted: boolean;
  driftedAt: string | null;
  driftedKeys: string[];
}

const view = async (broker: Broker, namespace: string, name: string) =>
  (await broker.as('admin').get(secretsPath(namespace, name)).expect(200)).body as SecretBody;

async function password(broker: Broker, namespace: string, name: string): Promise<string | undefined> {
  const body = (
    await broker
      .as('admin')
      .post(`${secretsPath(namespace, name)}/request`)
      .send({})
      .expect(200)
  ).body as SecretValuesBody;
  return body.values.find((item) => item.key === 'password')?.value;
}

async function livePassword(broker: Broker, namespace: string, name: string): Promise<string | undefined> {
  try {
    const secret = await kubeClients(broker.emulator).core.readNamespacedSecret({ namespace, name });
    const value = secret.data?.password;
    return value === undefined ? undefined : Buffer.from(value, 'base64').toString();
  } catch {
    return undefined;
  }
}

async function liveData(broker: Broker, namespace: string, name: string): Promise<Record<string, string>> {
  const secret = await kubeClients(broker.emulator).core.readNamespacedSecret({ namespace, name });
  return secret.data ?? {};
}

async function driftEvents(broker: Broker, namespace: string, name: string) {
  const body = (await broker.as('admin').get('/v1/audit-events').query({ verb: 'drift', namespace, name }).expect(200))
    .body as { items: Array<Record<string, unknown> & { subject: string; outcome: string; reason: string }> };
  return body.items;
}

/**
 * How the detector comes to look: the watch reports a change on its own (real time, within
 * NOTICED_WITHIN_MS), while the periodic comparison runs when the test calls it.
 */
type Looking = 'watch' | 'sweep';

function driftSuite(title: string, env: Record<string, string>, looking: Looking): void {
  describe(title, () => {
    const clock = new ManualClock();
    // Scheduler and sweep never run on their own timers: the test moves the clock and calls them.
    const broker = useBroker({ ...env, ROTATION_TICK_SECONDS: '3600', DRIFT_CHECK_SECONDS: '3600' }, { clock });
    let kubectl: Kubectl;
    /** Waits until `condition` holds, the sweep (if that is how this suite looks) having run first. */
    const noticed = async (condition: () => Promise<boolean>, timeoutMs = NOTICED_WITHIN_MS) => {
      if (looking === 'sweep') await broker.app.get(DriftDetector).checkAll();
      return timeUntil(condition, timeoutMs, looking === 'sweep' ? 10 : 100);
    };

    beforeAll(async () => {
      kubectl = await Kubectl.create(broker.emulator);
    });
    afterAll(async () => {
      await kubectl?.dispose();
    });

    const tamper = (namespace: string, name: string) =>
      kubectl.ok(['-n', namespace, 'patch', 'secret', name, '-p', '{"stringData":{"password":"tampered-value"}}']);

    it('kubectl patch of a managed Secret is recorded as drift (keys, never values) within five seconds', async () => {
      const namespace = await createNamespace(broker);
      await createScheduled(broker, namespace, 'db-main', {});
      const value = await password(broker, namespace, 'db-main');
      await tamper(namespace, 'db-main');
      const elapsed = await noticed(async () => (await view(broker, namespace, 'db-main')).drifted);
      expect(elapsed).toBeLessThan(NOTICED_WITHIN_MS);
      const drifted = await view(broker, namespace, 'db-main');
      expect(drifted).toMatchObject({ drifted: true, driftedKeys: ['password'] });
      expect(drifted.driftedAt).toBeTruthy();
      const events = await driftEvents(broker, namespace, 'db-main');
      expect(events).toHaveLength(1);
      expect(events[0]).toMatchObject({ subject: 'system:drift-detector', outcome: 'succeeded' });
      expect(events[0].reason).toContain('password');
      const outbox = await broker.app
        .get(DataSource)
        .query<Array<{ details: string }>>(
          `SELECT details FROM lifecycle_events WHERE namespace = '${namespace}' AND type = 'secret.drifted'`,
        );
      expect(outbox).toHaveLength(1);
      const everything = JSON.stringify([events, outbox, broker.logLines]);
      expect(everything).not.toContain('tampered-value');
      expect(everything).not.toContain(value);
      const metrics = (await broker.http().get('/metrics').expect(200)).text;
      expect(metrics).toMatch(/secret_drift_detected_total\{action="record"\} [1-9]/);
      // The live object stays as it was changed (record only), and the next broker write ends the drift.
      expect(await livePassword(broker, namespace, 'db-main')).toBe('tampered-value');
      await broker
        .as('admin')
        .post(`${secretsPath(namespace, 'db-main')}/rotate`)
        .send({})
        .expect(200);
      expect((await view(broker, namespace, 'db-main')).drifted).toBe(false);
    });

    it('onDrift restore writes the current version back', async () => {
      const namespace = await createNamespace(broker);
      await createScheduled(broker, namespace, 'restored', { onDrift: 'restore' });
      const value = await password(broker, namespace, 'restored');
      await tamper(namespace, 'restored');
      await noticed(async () => (await livePassword(broker, namespace, 'restored')) === value);
      const events = await driftEvents(broker, namespace, 'restored');
      expect(events.map((event) => event.outcome).sort()).toEqual(['allowed', 'succeeded', 'succeeded']);
      await timeUntil(async () => !(await view(broker, namespace, 'restored')).drifted, 1_000, 50);
      expect((await view(broker, namespace, 'restored')).currentVersion).toBe(1);
    });

    it('onDrift restore recreates a Secret deleted outside the broker', async () => {
      const namespace = await createNamespace(broker);
      await createScheduled(broker, namespace, 'deleted', { onDrift: 'restore' });
      const value = await password(broker, namespace, 'deleted');
      await kubectl.ok(['-n', namespace, 'delete', 'secret', 'deleted']);
      await noticed(async () => (await livePassword(broker, namespace, 'deleted')) === value);
    });

    it('onDrift adopt makes the live value a new version', async () => {
      const namespace = await createNamespace(broker);
      await createScheduled(broker, namespace, 'adopted', { onDrift: 'adopt' });
      await tamper(namespace, 'adopted');
      await noticed(async () => (await view(broker, namespace, 'adopted')).currentVersion === 2);
      expect(await password(broker, namespace, 'adopted')).toBe('tampered-value');
      const versions = (
        await broker
          .as('admin')
          .get(`${secretsPath(namespace, 'adopted')}/versions`)
          .expect(200)
      ).body as Array<{ version: number; reason: string; createdBy: string }>;
      expect(versions[0]).toMatchObject({ version: 2, reason: 'adopt', createdBy: 'system:drift-detector' });
      expect((await view(broker, namespace, 'adopted')).drifted).toBe(false);
    });

    it("never takes the broker's own writes for drift", async () => {
      const namespace = await createNamespace(broker);
      await createScheduled(broker, namespace, 'busy', { strategy: 'two-phase', graceSeconds: 1 });
      const path = secretsPath(namespace, 'busy');
      for (let round = 0; round < 5; round += 1) {
        await broker.as('admin').post(`${path}/rotate`).send({}).expect(200);
      }
      await broker
        .as('admin')
        .put(path)
        .send({ data: { password: 'set-by-the-broker' } })
        .expect(200);
      await broker.as('admin').post(`${path}/rollback`).send({ version: 5 }).expect(200);
      await broker.as('admin').post(`${path}/rotate`).send({}).expect(200);
      // The grace period ends (a broker write too), then every change the watch reported has
      // settled (SETTLE_MS) and a full comparison has run after them.
      clock.advance(1_000);
      await broker.app.get(RotationScheduler).tick();
      expect(Object.keys(await liveData(broker, namespace, 'busy'))).toEqual(['password']);
      await sleep(150);
      await broker.app.get(DriftDetector).check(namespace, 'busy');
      await broker.app.get(DriftDetector).checkAll();
      expect(await driftEvents(broker, namespace, 'busy')).toHaveLength(0);
      expect((await view(broker, namespace, 'busy')).drifted).toBe(false);
    });
  });
}

driftSuite('drift detection from the watch', {}, 'watch');
driftSuite('drift detection by periodic comparison (no watch)', { WATCH_SECRETS: 'false' }, 'sweep');
