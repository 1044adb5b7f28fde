import { DataSource } from 'typeorm';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { Clock } from '../../src/common/time/clock.js';
import { AccessRequestExpiry } from '../../src/access/requests/access-request-expiry.js';
import {
  accessRequestOf,
  askForAccess,
  createAccessPolicy,
  createNamespace,
  createRole,
  createSecret,
  grantRole,
  reviewAccess,
  secretsPath,
  type AccessRequestBody,
  type GrantBody,
} from '../factories/index.js';
import { auditEventsSince, captureState } from '../support/state.js';
import { useBroker } from '../support/use-broker.js';

describe('just-in-time access requests', () => {
  const broker = useBroker();
  const namespace = 'team-a';
  let approver: string;

  beforeAll(async () => {
    await createNamespace(broker, namespace);
    await createSecret(broker, namespace, { name: 'db-main', data: { password: 'pw-1' } });
    approver = (await createRole(broker, { verbs: ['approve'] })).name;
    for (const subject of ['user:bob', 'user:carol', 'user:dave']) {
      await grantRole(broker, { subject, role: approver, namespace });
    }
  });

  afterEach(() => {
    vi.restoreAllMocks();
  });

  /** A policy of its own for each test, so requests never collide across tests. */
  async function policy(extra: Record<string, unknown> = {}) {
    return createAccessPolicy(broker, { namespace, namePattern: 'db-*', requesters: ['user:alice'], ...extra });
  }

  async function ask(
    policyName: string,
    extra: Record<string, unknown> = {},
    sub = 'alice',
  ): Promise<AccessRequestBody> {
    const response = await askForAccess(broker, sub, {
      policy: policyName,
      namespace,
      role: 'reader',
      durationSeconds: 3600,
      reason: 'incident 42',
      ...extra,
    }).expect(201);
    return response.body as AccessRequestBody;
  }

  async function approve(id: string, sub: string, extra: Record<string, unknown> = {}): Promise<AccessRequestBody> {
    const response = await reviewAccess(broker, sub, id, { decision: 'approve', ...extra }).expect(201);
    return response.body as AccessRequestBody;
  }

  const read = (sub: string) =>
    broker
      .as(sub)
      .post(`${secretsPath(namespace, 'db-main')}/request`)
      .send({});

  function moveClock(byMs: number): void {
    const clock = broker.app.get(Clock);
    const now = clock.now();
    vi.spyOn(clock, 'now').mockReturnValue(now + byMs);
  }

  async function lifecycleEvents(requestId: string): Promise<string[]> {
    const rows = await broker.app
      .get(DataSource)
      .query<Array<{ type: string; details: string }>>('SELECT type, details FROM lifecycle_events ORDER BY sequence');
    return rows.filter((row) => row.details?.includes(requestId)).map((row) => row.type);
  }

  it('grants access on the second distinct approval, effective at once, until it expires', async () => {
    const { name } = await policy();
    const before = await captureState(broker);
    const preview = await askForAccess(broker, 'alice', {
      policy: name,
      namespace,
      role: 'reader',
      durationSeconds: 3600,
      dryRun: true,
    }).expect(201);
    expect(preview.body).toMatchObject({ dryRun: true, state: 'pending', effectiveDurationSeconds: 3600 });
    expect((preview.body as AccessRequestBody).eligibleApprovers).toEqual(
      expect.arrayContaining(['user:admin', 'user:bob', 'user:carol', 'user:dave']),
    );
    expect((await captureState(broker)).tables).toEqual(before.tables);

    await read('alice').expect(403);
    const asked = await ask(name);
    expect(asked).toMatchObject({ state: 'pending', approvals: 0, approvalsRequired: 2, requester: 'user:alice' });
    const first = await approve(asked.id, 'bob');
    expect(first).toMatchObject({ state: 'pending', approvals: 1 });
    expect(first.grant).toBeUndefined();
    await read('alice').expect(403);
    const second = await approve(asked.id, 'carol');
    expect(second).toMatchObject({ state: 'approved', approvals: 2 });
    expect(second.grant).toMatchObject({ active: true });

    const values = await read('alice').expect(200);
    expect(values.body.values).toEqual([expect.objectContaining({ key: 'password', value: 'pw-1' })]);
    const whoami = await broker.as('alice').get('/v1/whoami').expect(200);
    const grant = (whoami.body.grants as GrantBody[]).find((held) => held.id === second.grant?.id);
    expect(grant).toMatchObject({
      role: 'reader',
      namespace,
      namePattern: 'db-*',
      source: { kind: 'access-request', requestId: asked.id },
    });
    expect(new Date(grant?.expiresAt ?? 0).getTime() - new Date(grant?.notBefore ?? 0).getTime()).toBe(3600_000);

    const audited = (await auditEventsSince(broker, before)).map((event) => `${event.action}:${event.outcome}`);
    expect(audited).toEqual(
      expect.arrayContaining([
        'access_request.create:succeeded',
        'access_request.review:succeeded',
        'access_request.approve:succeeded',
      ]),
    );
    expect(await lifecycleEvents(asked.id)).toEqual([
      'access_request.created',
      'access_request.reviewed',
      'access_request.reviewed',
      'access_request.approved',
    ]);

    moveClock(3600_000 + 1000);
    await read('alice').expect(403);
    expect((await accessRequestOf(broker, 'alice', asked.id)).grant).toMatchObject({ active: false });
  });

  it('counts each approver once, whatever token or groups it comes with', async () => {
    const { id } = await ask((await policy()).name);
    await approve(id, 'bob');
    const again = await reviewAccess(broker, 'bob', id, { decision: 'approve' }, ['ops']).expect(409);
    expect(again.body.detail).toContain('already been reviewed');
    expect(await accessRequestOf(broker, 'alice', id)).toMatchObject({ state: 'pending', approvals: 1 });
  });

  it('no longer counts an approval whose author lost approve before the count', async () => {
    const erinGrant = await grantRole(broker, { subject: 'user:erin', role: approver, namespace });
    const { id } = await ask((await policy()).name);
    await approve(id, 'erin');
    await broker.as('admin').delete(`/v1/grants/${erinGrant.id}`).expect(200);
    expect(await approve(id, 'bob')).toMatchObject({ state: 'pending', approvals: 1 });
    const last = await approve(id, 'carol');
    expect(last).toMatchObject({ state: 'approved', approvals: 2 });
  });

  it('refuses an approver whose approve covers less than the request (403, state unchanged)', async () => {
    await grantRole(broker, { subject: 'user:narrow', role: approver, namespace, namePattern: 'db-prod-*' });
    const { id } = await ask((await policy()).name);
    const before = await captureState(broker);
    const refused = await reviewAccess(broker, 'narrow', id, { decision: 'approve' }).expect(403);
    expect(refused.body.detail).toContain('approve');
    expect((await captureState(broker)).tables).toEqual(before.tables);
  });

  it('lets approvers only shorten the access, and refuses asking for more than the policy allows', async () => {
    const { name } = await policy({ maxDurationSeconds: 1800 });
    const tooLong = await askForAccess(broker, 'alice', {
      policy: name,
      namespace,
      role: 'reader',
      durationSeconds: 3600,
    }).expect(422);
    expect(tooLong.body.detail).toContain('1800');
    const { id } = await ask(name, { durationSeconds: 1800 });
    await approve(id, 'bob', { maxDurationSeconds: 600 });
    const approved = await approve(id, 'carol', { maxDurationSeconds: 1200 });
    expect(approved.effectiveDurationSeconds).toBe(600);
    const grant = approved.grant;
    expect(new Date(grant?.expiresAt ?? 0).getTime() - new Date(grant?.notBefore ?? 0).getTime()).toBe(600_000);
  });

  it('starts the access at the requested startAt, not at approval', async () => {
    const { name } = await policy({ requesters: ['user:gina'] });
    const startAt = new Date(broker.app.get(Clock).now() + 600_000);
    const { id } = await ask(name, { startAt: startAt.toISOString() }, 'gina');
    await approve(id, 'bob');
    const approved = await approve(id, 'carol');
    expect(new Date(approved.grant?.notBefore ?? 0).getTime()).toBe(startAt.getTime());
    expect(approved.grant).toMatchObject({ active: false });
    await read('gina').expect(403);
    moveClock(600_000 + 1000);
    await read('gina').expect(200);
  });

  it('expires a pending request on the clock: on read, on review, and by the sweeper', async () => {
    const { name } = await policy({ pendingTtlSeconds: 60 });
    const onRead = await ask(name);
    moveClock(61_000);
    expect(await accessRequestOf(broker, 'alice', onRead.id)).toMatchObject({
      state: 'expired',
      resolvedBy: 'system:access-requests',
    });
    vi.restoreAllMocks();

    const onReview = await ask(name, { namePattern: 'db-main' });
    moveClock(61_000);
    const refused = await reviewAccess(broker, 'bob', onReview.id, { decision: 'approve' }).expect(409);
    expect(refused.body.detail).toContain('expired');
    vi.restoreAllMocks();

    const swept = await ask(name, { namePattern: 'db-other' });
    moveClock(61_000);
    await broker.app.get(AccessRequestExpiry).sweepOnce();
    const [row] = await broker.app
      .get(DataSource)
      .query<Array<{ state: string }>>(`SELECT state FROM access_requests WHERE id = '${swept.id}'`);
    expect(row.state).toBe('expired');
    expect(await lifecycleEvents(swept.id)).toContain('access_request.expired');
  });

  it('keeps terminal states final: a denied request cannot be approved or withdrawn, an approved one cannot be denied', async () => {
    const { name } = await policy();
    const denied = await ask(name);
    await reviewAccess(broker, 'bob', denied.id, { decision: 'deny' }).expect(422);
    await reviewAccess(broker, 'bob', denied.id, { decision: 'deny', reason: 'not during the freeze' }).expect(201);
    await reviewAccess(broker, 'carol', denied.id, { decision: 'approve' }).expect(409);
    await broker.as('alice').post(`/v1/access-requests/${denied.id}/withdraw`).send({}).expect(409);
    expect(await accessRequestOf(broker, 'alice', denied.id)).toMatchObject({
      state: 'denied',
      resolvedBy: 'user:bob',
    });

    const approved = await ask(name);
    await approve(approved.id, 'bob');
    await approve(approved.id, 'carol');
    await reviewAccess(broker, 'dave', approved.id, { decision: 'deny', reason: 'too late' }).expect(409);
    await broker.as('alice').post(`/v1/access-requests/${approved.id}/withdraw`).send({}).expect(409);
    expect(await accessRequestOf(broker, 'alice', approved.id)).toMatchObject({ state: 'approved' });
  });

  it('revokes approved access early: the grantee’s next read is refused', async () => {
    const { id } = await ask((await policy({ requesters: ['user:frank'] })).name, {}, 'frank');
    await approve(id, 'bob');
    await approve(id, 'carol');
    await read('frank').expect(200);
    await broker.as('bob').post(`/v1/access-requests/${id}/revoke`).send({}).expect(400);
    await broker.as('mallory').post(`/v1/access-requests/${id}/revoke`).send({ reason: 'x' }).expect(404);
    const revoked = await broker
      .as('bob')
      .post(`/v1/access-requests/${id}/revoke`)
      .send({ reason: 'done early' })
      .expect(200);
    expect((revoked.body as AccessRequestBody).grant).toMatchObject({ active: false, revokedBy: 'user:bob' });
    await read('frank').expect(403);
    await broker.as('frank').post(`/v1/access-requests/${id}/revoke`).send({ reason: 'again' }).expect(409);
  });

  it('refuses a duplicate pending request and one for access already granted, naming the first', async () => {
    const { name } = await policy();
    const first = await ask(name);
    const duplicate = await askForAccess(broker, 'alice', {
      policy: name,
      namespace,
      role: 'reader',
      durationSeconds: 600,
    }).expect(409);
    expect(duplicate.body.detail).toContain(first.id);
    await approve(first.id, 'bob');
    await approve(first.id, 'carol');
    const again = await askForAccess(broker, 'alice', {
      policy: name,
      namespace,
      role: 'reader',
      durationSeconds: 600,
    }).expect(409);
    expect(again.body.detail).toContain(first.id);
  });

  it('refuses a request nobody but the requester could approve (422)', async () => {
    const lonely = await createAccessPolicy(broker, {
      namespace: 'team-z',
      requesters: ['user:admin'],
      approvalsRequired: 1,
    });
    const refused = await askForAccess(broker, 'admin', {
      policy: lonely.name,
      namespace: 'team-z',
      role: 'reader',
      durationSeconds: 600,
    }).expect(422);
    expect(refused.body.detail).toContain('nobody but the requester');
  });

  it('breaks glass at once, loudly, and lists the use until an approver post-reviews it', async () => {
    const { name } = await policy({ breakGlass: { subjects: ['user:oncall'], maxDurationSeconds: 900 } });
    await askForAccess(broker, 'oncall', {
      policy: name,
      namespace,
      role: 'reader',
      durationSeconds: 900,
      breakGlass: true,
    }).expect(422);
    await askForAccess(broker, 'alice', {
      policy: name,
      namespace,
      role: 'reader',
      durationSeconds: 900,
      reason: 'x',
      breakGlass: true,
    }).expect(403);
    const used = await ask(name, { breakGlass: true, durationSeconds: 900, reason: 'database down' }, 'oncall');
    expect(used).toMatchObject({ state: 'approved', breakGlass: true });
    expect(used.postReview).toBeUndefined();
    await read('oncall').expect(200);
    const again = {
      policy: name,
      namespace,
      role: 'reader',
      durationSeconds: 900,
      reason: 'still down',
      breakGlass: true,
    };
    expect((await askForAccess(broker, 'oncall', again).expect(409)).body.detail).toContain(used.id);
    expect(await lifecycleEvents(used.id)).toEqual(['access_request.break_glass']);

    const unreviewed = await broker.as('bob').get('/v1/access-requests?view=all&unreviewedBreakGlass=true').expect(200);
    expect((unreviewed.body.items as AccessRequestBody[]).map((item) => item.id)).toContain(used.id);
    await broker
      .as('oncall')
      .post(`/v1/access-requests/${used.id}/post-review`)
      .send({ outcome: 'acknowledged' })
      .expect(403);
    await broker.as('bob').post(`/v1/access-requests/${used.id}/post-review`).send({ outcome: 'fine' }).expect(400);
    const reviewed = await broker
      .as('bob')
      .post(`/v1/access-requests/${used.id}/post-review`)
      .send({ outcome: 'flagged', reason: 'no ticket' })
      .expect(200);
    expect((reviewed.body as AccessRequestBody).postReview).toMatchObject({ outcome: 'flagged', reviewer: 'user:bob' });
    await broker
      .as('carol')
      .post(`/v1/access-requests/${used.id}/post-review`)
      .send({ outcome: 'acknowledged' })
      .expect(409);
    const after = await broker.as('bob').get('/v1/access-requests?view=all&unreviewedBreakGlass=true').expect(200);
    expect((after.body.items as AccessRequestBody[]).map((item) => item.id)).not.toContain(used.id);
  });

  it('audits withdrawal, revocation and post-review, and hides a request from strangers', async () => {
    const { name } = await policy({
      requesters: ['user:hana'],
      breakGlass: { subjects: ['user:hana'], maxDurationSeconds: 600 },
    });
    const pending = await ask(name, { namePattern: 'db-main' }, 'hana');
    await broker.as('mallory').get(`/v1/access-requests/${pending.id}`).expect(404);
    await broker.as('hana').post('/v1/access-requests/not-a-uuid/withdraw').send({}).expect(400);
    await broker.as('hana').post(`/v1/access-requests/${pending.id}/withdraw`).send({ reason: 42 }).expect(400);
    const before = await captureState(broker);
    await broker
      .as('hana')
      .post(`/v1/access-requests/${pending.id}/withdraw`)
      .send({ reason: 'not needed' })
      .expect(200);
    const used = await ask(name, { breakGlass: true, durationSeconds: 600, reason: 'outage' }, 'hana');
    await broker.as('hana').post(`/v1/access-requests/${used.id}/revoke`).send({ reason: 'fixed' }).expect(200);
    await broker
      .as('bob')
      .post(`/v1/access-requests/${used.id}/post-review`)
      .send({ outcome: 'acknowledged' })
      .expect(200);
    const audited = (await auditEventsSince(broker, before)).map((event) => `${event.action}:${event.outcome}`);
    for (const action of ['withdraw', 'break_glass', 'revoke', 'post_review']) {
      expect(audited).toContain(`access_request.${action}:succeeded`);
    }
    expect(await lifecycleEvents(used.id)).toEqual([
      'access_request.break_glass',
      'access_request.revoked',
      'access_request.post_reviewed',
    ]);
  });

  it('lists requests by view: mine, needs-my-review and all', async () => {
    const { id } = await ask((await policy()).name);
    const mine = await broker.as('alice').get('/v1/access-requests?view=mine&state=pending').expect(200);
    expect((mine.body.items as AccessRequestBody[]).map((item) => item.id)).toContain(id);
    const inbox = await broker.as('bob').get('/v1/access-requests?view=needs-my-review').expect(200);
    expect((inbox.body.items as AccessRequestBody[]).map((item) => item.id)).toContain(id);
    await broker.as('alice').get('/v1/access-requests?view=needs-my-review').expect(403);
    await broker.as('alice').get('/v1/access-requests?view=everything').expect(400);
    await broker.as('alice').get('/v1/access-requests?state=granted').expect(400);
    await approve(id, 'bob');
    const reviewed = await broker.as('bob').get('/v1/access-requests?view=needs-my-review').expect(200);
    expect((reviewed.body.items as AccessRequestBody[]).map((item) => item.id)).not.toContain(id);
  });
});
