import { setTimeout as sleep } from 'node:timers/promises';
import { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Kubectl } from '../emulator/support.js';
import { createNamespace, secretsPath, type SecretValuesBody } from '../factories/index.js';
import type { Broker } from '../support/broker.js';
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

async function driftEvents(broker: Broker, namespace: string, name: string) {
  const body = (await broker.as('admin').get('/v1/audit-events').query({ verb: 'drift', namespace, name }).expect(200))
    .body as { items: Array<Record<string, unknown> & { subject: string; outcome: string; reason: string }> };
  return body.items;
}

function driftSuite(title: string, env: Record<string, string>): void {
  describe(title, () => {
    const broker = useBroker(env);
    let kubectl: Kubectl;

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
      const elapsed = await timeUntil(
        async () => (await view(broker, namespace, 'db-main')).drifted,
        NOTICED_WITHIN_MS,
        100,
      );
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
      await timeUntil(
        async () => (await livePassword(broker, namespace, 'restored')) === value,
        NOTICED_WITHIN_MS,
        100,
      );
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
      await timeUntil(async () => (await livePassword(broker, namespace, 'deleted')) === value, NOTICED_WITHIN_MS, 100);
    });

    it('onDrift adopt makes the live value a new version', async () => {
      const namespace = await createNamespace(broker);
      await createScheduled(broker, namespace, 'adopted', { onDrift: 'adopt' });
      await tamper(namespace, 'adopted');
      await timeUntil(
        async () => (await view(broker, namespace, 'adopted')).currentVersion === 2,
        NOTICED_WITHIN_MS,
        100,
      );
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
      await sleep(2_500);
      expect(await driftEvents(broker, namespace, 'busy')).toHaveLength(0);
      expect((await view(broker, namespace, 'busy')).drifted).toBe(false);
    });
  });
}

driftSuite('drift detection from the watch', { ROTATION_TICK_SECONDS: '0.2' });
driftSuite('drift detection by periodic comparison (no watch)', {
  WATCH_SECRETS: 'false',
  DRIFT_CHECK_SECONDS: '1',
  ROTATION_TICK_SECONDS: '0.2',
});
