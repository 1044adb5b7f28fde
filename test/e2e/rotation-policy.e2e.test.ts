import { describe, expect, it } from 'vitest';
import { createNamespace, createRole, createSecret, gql, graphql, grantRole, secretsPath } from '../factories/index.js';
import { auditEventsSince, captureState, expectUnchanged } from '../support/state.js';
import { useBroker } from '../support/use-broker.js';

const UPDATE_ROTATION_POLICY = gql<
  { updateRotationPolicy: { nextRotationAt: string | null } },
  { namespace: string; name: string; input: Record<string, unknown> }
>(
  `mutation UpdateRotationPolicy($namespace: String!, $name: String!, $input: RotationPolicyInput!) {
    updateRotationPolicy(namespace: $namespace, name: $name, input: $input) { nextRotationAt }
  }`,
);

const policyPath = (namespace: string, name: string) => `${secretsPath(namespace, name)}/rotation-policy`;

describe('changing a rotation policy after create (PATCH …/rotation-policy, updateRotationPolicy)', () => {
  const broker = useBroker();

  it('replaces the settings under update, schedules from now, and audits old and new policy without values', async () => {
    const namespace = await createNamespace(broker);
    await createSecret(broker, namespace, { name: 'db', generate: { password: { type: 'password', length: 24 } } });
    const unscheduled = await broker.as('admin').get(secretsPath(namespace, 'db')).expect(200);
    expect(unscheduled.body.nextRotationAt).toBeNull();
    const before = await captureState(broker);

    const started = Date.now();
    const changed = await broker
      .as('admin')
      .patch(policyPath(namespace, 'db'))
      .send({ intervalSeconds: 3600, strategy: 'two-phase', graceSeconds: 120 })
      .expect(200);
    const next = new Date(changed.body.nextRotationAt as string).getTime();
    expect(next).toBeGreaterThanOrEqual(started + 3_600_000 - 1_000);
    expect(next).toBeLessThanOrEqual(Date.now() + 3_600_000);

    const [, outcome] = await auditEventsSince(broker, before);
    expect(outcome).toMatchObject({ action: 'update', outcome: 'succeeded', namespace, name: 'db' });
    const audited = await broker.as('admin').get('/v1/audit-events').query({ verb: 'update', name: 'db' }).expect(200);
    const details = audited.body.items[0].details as { previousPolicy: string; policy: string };
    expect(JSON.parse(details.previousPolicy)).toEqual({ generators: { password: 'password' } });
    expect(JSON.parse(details.policy)).toEqual({
      intervalSeconds: 3600,
      strategy: 'two-phase',
      graceSeconds: 120,
      generators: { password: 'password' },
    });
    const value = await broker
      .as('admin')
      .post(`${secretsPath(namespace, 'db')}/request`)
      .send({})
      .expect(200);
    expect(JSON.stringify(audited.body)).not.toContain(value.body.values[0].value as string);

    // GraphQL does the same: a cron schedule replaces the interval.
    const { data, errors } = await graphql(broker, 'admin', UPDATE_ROTATION_POLICY, {
      namespace,
      name: 'db',
      input: { schedule: '0 3 * * *' },
    });
    expect(errors).toBeUndefined();
    expect(new Date(data?.updateRotationPolicy.nextRotationAt ?? 0).getUTCHours()).toBe(3);
    // A rotation without a body still knows the generated key.
    await broker
      .as('admin')
      .post(`${secretsPath(namespace, 'db')}/rotate`)
      .send({})
      .expect(200);
  });

  it('needs update: a reader or a rotator is refused (403), nothing changed', async () => {
    const namespace = await createNamespace(broker);
    await createSecret(broker, namespace, { name: 'db', generate: { password: { type: 'password' } } });
    const rotator = await createRole(broker, { verbs: ['read', 'list', 'rotate'] });
    await grantRole(broker, { subject: 'user:rota', role: rotator.name, namespace });
    const before = await captureState(broker);
    await broker.as('rota').patch(policyPath(namespace, 'db')).send({ intervalSeconds: 3600 }).expect(403);
    const { errors } = await graphql(broker, 'rota', UPDATE_ROTATION_POLICY, {
      namespace,
      name: 'db',
      input: { intervalSeconds: 3600 },
    });
    expect(errors?.[0].extensions.code).toBe('FORBIDDEN');
    const refusals = await expectUnchanged(broker, before);
    expect(refusals.filter((event) => event.outcome === 'denied')).toHaveLength(2);
  });

  it('refuses bad input with a clear error and changes nothing', async () => {
    const namespace = await createNamespace(broker);
    await createSecret(broker, namespace, { name: 'db', data: { password: 'supplied' } });
    const before = await captureState(broker);
    const refused = async (body: Record<string, unknown>, status: number, detail: RegExp) => {
      const answer = await broker.as('admin').patch(policyPath(namespace, 'db')).send(body).expect(status);
      expect(answer.body.detail).toMatch(detail);
    };
    await refused({ intervalSeconds: 5 }, 422, /intervalSeconds must be at least 60/);
    await refused({ intervalSeconds: 3600 }, 422, /needs at least one generated key/);
    await refused({ strategy: 'two-phase' }, 422, /needs graceSeconds/);
    await refused({ strategy: 'sometimes' }, 400, /strategy/);
    await refused({ schedule: 'every day' }, 422, /schedule/);
    await expectUnchanged(broker, before, { allowDecisions: true });
    await broker.as('admin').patch(policyPath(namespace, 'nothing-here')).send({ onDrift: 'record' }).expect(404);
  });
});
