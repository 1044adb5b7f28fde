import { describe, expect, it } from 'vitest';
import { createNamespace, createRole, grantRole, secretsPath, uniqueName } from '../factories/index.js';
import type { Broker } from '../support/broker.js';
import { kubeClients } from '../support/kube.js';
import { timeUntil } from '../support/replica.js';
import { createScheduled } from '../support/rotation.js';
import { captureState, expectUnchanged } from '../support/state.js';
import { useBroker } from '../support/use-broker.js';

const VERSION_ANNOTATION = 'secrets-broker.io/version';

async function livePassword(broker: Broker, namespace: string, name: string): Promise<string | undefined> {
  const secret = await kubeClients(broker.emulator).core.readNamespacedSecret({ namespace, name });
  const value = secret.data?.password;
  return value === undefined ? undefined : Buffer.from(value, 'base64').toString();
}

describe('a cron schedule cannot beat ROTATION_MIN_INTERVAL_SECONDS (finding 9)', () => {
  // The default minimum: 60 s.
  const broker = useBroker();

  it('refuses schedules whose slots come closer than the minimum, from a create holder (422, nothing changed)', async () => {
    const namespace = await createNamespace(broker);
    const creator = uniqueName('creator');
    const role = await createRole(broker, { verbs: ['create'] });
    await grantRole(broker, { subject: `user:${creator}`, role: role.name, namespace });
    const before = await captureState(broker);
    for (const schedule of ['* * * * * *', '*/30 * * * * *', '0,30 * * * * *', '0,10 0 0 1 1 *']) {
      const refused = await broker
        .as(creator)
        .post(secretsPath(namespace))
        .send({
          name: uniqueName('app'),
          generate: { password: { type: 'password' } },
          rotationPolicy: { schedule, restartWorkloads: true },
        })
        .expect(422);
      expect(refused.body.detail).toMatch(/slots must be at least 60 s apart/);
    }
    // The create decision itself is allowed (the caller may create there); the schedule is refused.
    await expectUnchanged(broker, before, { allowDecisions: true });
    await broker
      .as(creator)
      .post(secretsPath(namespace))
      .send({ name: 'hourly', generate: { password: { type: 'password' } }, rotationPolicy: { schedule: '0 * * * *' } })
      .expect(201);
  });
});

describe('drift is decided on values, not on the version annotation (finding 10)', () => {
  const broker = useBroker();

  it.each([
    ['a later version', (current: number) => String(current + 1)],
    ['an earlier version', (current: number) => String(current - 1)],
  ])('restores a value changed together with the annotation set to %s', async (_case, annotate) => {
    const namespace = await createNamespace(broker);
    await createScheduled(broker, namespace, 'db-main', { onDrift: 'restore' });
    // Version 2 is current, so an earlier one (1) exists to claim.
    await broker
      .as('admin')
      .post(`${secretsPath(namespace, 'db-main')}/rotate`)
      .send({})
      .expect(200);
    const original = await livePassword(broker, namespace, 'db-main');
    const { core } = kubeClients(broker.emulator);
    const live = await core.readNamespacedSecret({ namespace, name: 'db-main' });
    const annotations = { ...(live.metadata?.annotations ?? {}) };
    annotations[VERSION_ANNOTATION] = annotate(Number(annotations[VERSION_ANNOTATION]));
    await core.replaceNamespacedSecret({
      namespace,
      name: 'db-main',
      body: {
        ...live,
        metadata: { ...live.metadata, annotations },
        data: { ...live.data, password: Buffer.from('chosen-by-attacker').toString('base64') },
      },
    });
    await timeUntil(async () => (await livePassword(broker, namespace, 'db-main')) === original, 5_000, 100);
    const events = (
      await broker.as('admin').get('/v1/audit-events').query({ verb: 'drift', namespace, name: 'db-main' }).expect(200)
    ).body as { items: Array<{ outcome: string; reason: string }> };
    expect(events.items.some((event) => /changed outside the broker: password/.test(event.reason))).toBe(true);
  });

  it('does not take the broker’s own rotations for drift', async () => {
    const namespace = await createNamespace(broker);
    await createScheduled(broker, namespace, 'busy', { onDrift: 'record' });
    for (let i = 0; i < 5; i += 1) {
      await broker
        .as('admin')
        .post(`${secretsPath(namespace, 'busy')}/rotate`)
        .send({})
        .expect(200);
    }
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    const view = (await broker.as('admin').get(secretsPath(namespace, 'busy')).expect(200)).body as {
      drifted: boolean;
    };
    expect(view.drifted).toBe(false);
  });
});
