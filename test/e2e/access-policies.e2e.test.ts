import { beforeAll, describe, expect, it } from 'vitest';
import {
  askForAccess,
  accessRequestOf,
  createAccessPolicy,
  createNamespace,
  createRole,
  grantRole,
  reviewAccess,
  type AccessPolicyBody,
  type AccessRequestBody,
} from '../factories/index.js';
import { auditEventsSince, captureState, expectUnchanged } from '../support/state.js';
import { useBroker } from '../support/use-broker.js';

describe('access policies and the access-request routes’ authorization and input', () => {
  const broker = useBroker();
  const namespace = 'team-a';
  const policyBody = (name: string, extra: Record<string, unknown> = {}) => ({
    name,
    namespace,
    namePattern: 'db-*',
    roles: ['reader'],
    requesters: ['user:alice'],
    approvalsRequired: 1,
    maxDurationSeconds: 3600,
    ...extra,
  });

  /** A PUT body: every setting, no name (the path names the policy). */
  const settings = (extra: Record<string, unknown> = {}) =>
    Object.fromEntries(Object.entries(policyBody('unused', extra)).filter(([key]) => key !== 'name'));

  beforeAll(async () => {
    await createNamespace(broker, namespace);
    const manager = await createRole(broker, { verbs: ['grants:manage', 'read', 'list'] });
    await grantRole(broker, { subject: 'user:manager', role: manager.name, namespace });
    const approver = await createRole(broker, { verbs: ['approve'] });
    await grantRole(broker, { subject: 'user:bob', role: approver.name, namespace });
  });

  it('lets a manager create a policy over its scope and audits it; refuses escalation and other namespaces', async () => {
    const before = await captureState(broker);
    const created = await broker.as('manager').post('/v1/access-policies').send(policyBody('readers')).expect(201);
    expect(created.body).toMatchObject({
      name: 'readers',
      pendingTtlSeconds: 86400,
      requireReason: false,
    });
    expect(created.body).not.toHaveProperty('breakGlass');
    const audited = await auditEventsSince(broker, before);
    expect(audited.map((event) => `${event.action}:${event.outcome}`)).toEqual([
      'grants:manage:allowed',
      'grants:manage:succeeded',
    ]);

    const refusals = await captureState(broker);
    const escalating = await broker
      .as('manager')
      .post('/v1/access-policies')
      .send(policyBody('editors', { roles: ['editor'] }))
      .expect(403);
    expect(escalating.body.detail).toContain('create');
    await broker
      .as('manager')
      .post('/v1/access-policies')
      .send(policyBody('elsewhere', { namespace: 'team-b' }))
      .expect(403);
    await broker
      .as('manager')
      .post('/v1/access-policies')
      .send(policyBody('everywhere', { namespace: '*' }))
      .expect(403);
    await broker.as('alice').post('/v1/access-policies').send(policyBody('by-alice')).expect(403);
    await broker.as('manager').post('/v1/access-policies').send(policyBody('readers')).expect(409);
    await expectUnchanged(broker, refusals, { allowDecisions: true });
  });

  it('refuses bad input with 400 and unknown roles with 422, storing nothing', async () => {
    const before = await captureState(broker);
    for (const bad of [
      policyBody('Bad Name'),
      policyBody('zero', { approvalsRequired: 0 }),
      policyBody('subjects', { requesters: ['alice'] }),
      policyBody('pattern', { namePattern: 'DB/*' }),
      policyBody('short', { maxDurationSeconds: 1 }),
      policyBody('ttl', { pendingTtlSeconds: 0 }),
      policyBody('glass', { breakGlass: { subjects: [], maxDurationSeconds: 600 } }),
      policyBody('no-roles', { roles: [] }),
    ]) {
      await broker.as('admin').post('/v1/access-policies').send(bad).expect(400);
    }
    await broker
      .as('admin')
      .post('/v1/access-policies')
      .send(policyBody('ghost', { roles: ['no-such-role'] }))
      .expect(422);
    await broker.as('admin').get('/v1/access-policies/Not_A_Name').expect(400);
    await broker.as('admin').get('/v1/access-requests/not-a-uuid').expect(400);
    await broker
      .as('admin')
      .post('/v1/access-requests')
      .send({ policy: 'readers', namespace, role: 'reader', durationSeconds: 'long' })
      .expect(400);
    await broker
      .as('bob')
      .post('/v1/access-requests/00000000-0000-4000-8000-000000000000/reviews')
      .send({ decision: 'maybe' })
      .expect(400);
    await broker
      .as('bob')
      .post('/v1/access-requests/00000000-0000-4000-8000-000000000000/reviews')
      .send({ decision: 'approve' })
      .expect(404);
    expect((await captureState(broker)).tables).toEqual(before.tables);
  });

  it('shows a policy to its managers, requesters and approvers, and to nobody else', async () => {
    const policy = await createAccessPolicy(broker, { namespace, requesters: ['group:devs'], approvalsRequired: 1 });
    for (const [sub, groups] of [
      ['manager', []],
      ['carol', ['devs']],
      ['bob', []],
    ] as const) {
      await broker
        .as(sub, [...groups])
        .get(`/v1/access-policies/${policy.name}`)
        .expect(200);
      const listed = await broker
        .as(sub, [...groups])
        .get('/v1/access-policies')
        .expect(200);
      expect((listed.body as AccessPolicyBody[]).map((item) => item.name)).toContain(policy.name);
    }
    await broker.as('mallory').get(`/v1/access-policies/${policy.name}`).expect(404);
    const listed = await broker.as('mallory').get('/v1/access-policies').expect(200);
    expect(listed.body).toEqual([]);
    await broker.as('mallory').put(`/v1/access-policies/${policy.name}`).send(settings()).expect(403);
    await broker.as('manager').put('/v1/access-policies/no-such-policy').send(settings()).expect(404);
    await broker.as('mallory').delete(`/v1/access-policies/${policy.name}`).expect(403);
    await broker
      .as('manager')
      .put(`/v1/access-policies/${policy.name}`)
      .send(settings({ approvalsRequired: -1 }))
      .expect(400);
    await broker
      .as('manager')
      .put(`/v1/access-policies/${policy.name}`)
      .send({ ...settings(), name: 'renamed' })
      .expect(400);
    const before = await captureState(broker);
    await broker
      .as('manager')
      .put(`/v1/access-policies/${policy.name}`)
      .send(settings({ approvalsRequired: 2 }))
      .expect(200);
    const audited = await auditEventsSince(broker, before);
    expect(audited.map((event) => `${event.action}:${event.outcome}`)).toContain('grants:manage:succeeded');
  });

  it('invalidates pending requests that a change leaves outside the policy, and all of them when it goes', async () => {
    const policy = await createAccessPolicy(broker, {
      namespace,
      namePattern: 'db-*',
      requesters: ['user:alice', 'user:ann'],
      approvalsRequired: 1,
    });
    const ask = async (sub: string) =>
      (
        (
          await askForAccess(broker, sub, {
            policy: policy.name,
            namespace,
            role: 'reader',
            durationSeconds: 600,
          }).expect(201)
        ).body as AccessRequestBody
      ).id;
    const alices = await ask('alice');
    const anns = await ask('ann');
    const before = await captureState(broker);
    const changed = settings({ requesters: ['user:ann'] });
    await broker.as('manager').put(`/v1/access-policies/${policy.name}`).send(changed).expect(200);
    expect(await accessRequestOf(broker, 'alice', alices)).toMatchObject({ state: 'invalidated' });
    expect(await accessRequestOf(broker, 'ann', anns)).toMatchObject({ state: 'pending' });
    await broker.as('manager').delete(`/v1/access-policies/${policy.name}`).expect(200);
    expect(await accessRequestOf(broker, 'ann', anns)).toMatchObject({ state: 'invalidated' });
    await reviewAccess(broker, 'bob', anns, { decision: 'approve' }).expect(409);
    await broker.as('manager').get(`/v1/access-policies/${policy.name}`).expect(404);
    const audited = (await auditEventsSince(broker, before)).map((event) => `${event.action}:${event.outcome}`);
    expect(audited.filter((entry) => entry === 'access_request.invalidate:succeeded')).toHaveLength(2);
  });

  it('refuses requests from subjects the policy does not list, and asks for a reason where the policy says so', async () => {
    const policy = await createAccessPolicy(broker, {
      namespace,
      requesters: ['user:alice'],
      approvalsRequired: 1,
      requireReason: true,
    });
    const before = await captureState(broker);
    const body = { policy: policy.name, namespace, role: 'reader', durationSeconds: 600 };
    await askForAccess(broker, 'mallory', body).expect(403);
    await askForAccess(broker, 'alice', { ...body, policy: 'no-such-policy' }).expect(403);
    await askForAccess(broker, 'alice', body).expect(422);
    await askForAccess(broker, 'alice', { ...body, role: 'editor' }).expect(422);
    await askForAccess(broker, 'alice', { ...body, namespace: 'team-b' }).expect(422);
    await askForAccess(broker, 'alice', { ...body, reason: 'x', startAt: '2001-01-01T00:00:00Z' }).expect(422);
    const events = await expectUnchanged(broker, before);
    expect(
      events.filter((event) => event.action === 'access_request.create' && event.outcome === 'denied'),
    ).toHaveLength(2);
  });
});
