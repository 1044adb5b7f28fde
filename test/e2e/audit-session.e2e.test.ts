import { createHmac } from 'node:crypto';
import { DataSource } from 'typeorm';
import { beforeAll, describe, expect, it } from 'vitest';
import { createNamespace, createSecret, grantRole, graphql, REQUEST_SECRET, ROLES } from '../factories/index.js';
import type { Broker } from '../support/broker.js';
import { crashMidRotation } from '../support/crash.js';
import { signToken } from '../support/tokens.js';
import { metricValue } from '../support/metrics.js';
import { useBroker, withBroker } from '../support/use-broker.js';
import { useWebhookReceiver } from '../support/webhook-receiver.js';

interface EventBody {
  id: string;
  requestId: string;
  subject: string;
  action: string;
  outcome: string;
  namespace: string | null;
  name: string | null;
  version: number | null;
  intentId: string | null;
  matchedGrants: string[];
  reason: string | null;
}

const CANARY = 'canary-0b5e77-audit-value';

async function eventsAfter(broker: Broker, afterId: number): Promise<EventBody[]> {
  const text = (await broker.as('admin').get('/v1/audit-events/export').expect(200)).text;
  return text
    .trimEnd()
    .split('\n')
    .map((line) => JSON.parse(line) as EventBody)
    .filter((event) => Number(event.id) > afterId && event.action !== 'audit:read');
}

async function lastEventId(broker: Broker): Promise<number> {
  const rows: Array<{ id: string | number }> = await broker.app
    .get(DataSource)
    .query('SELECT MAX(id) AS id FROM audit_events');
  return Number(rows[0]?.id ?? 0);
}

describe('the audit trail of a scripted session', () => {
  const broker = useBroker();
  const base = '/v1/namespaces/team-a/secrets';

  // Shared and only read: alice may read team-b, not team-a.
  beforeAll(async () => {
    await createNamespace(broker, 'team-a');
    await createNamespace(broker, 'team-b');
    await grantRole(broker, { subject: 'user:alice', role: 'reader', namespace: 'team-b' });
  });

  it('records every decision and outcome in order, with request id and actor, and verifies', async () => {
    const start = await lastEventId(broker);
    const admin = (step: string) => ({ agent: broker.as('admin'), step });
    const send = async (
      { agent, step }: ReturnType<typeof admin>,
      method: 'post' | 'get',
      path: string,
      body: object,
      status: number,
    ) => {
      await agent[method](path).set('X-Request-Id', step).send(body).expect(status);
    };
    await send(admin('s-create'), 'post', base, { name: 'db-main', generate: { password: { type: 'password' } } }, 201);
    await send(admin('s-request'), 'post', `${base}/db-main/request`, {}, 200);
    await send(admin('s-rotate'), 'post', `${base}/db-main/rotate`, { reason: 'scheduled' }, 200);
    await send(admin('s-rollback'), 'post', `${base}/db-main/rollback`, { version: 1 }, 200);
    await send(admin('s-revoke'), 'post', `${base}/db-main/revoke`, { reason: 'leaked' }, 200);
    await broker.as('alice').post(`${base}/db-main/request`).set('X-Request-Id', 's-denied').send({}).expect(403);
    await broker
      .http()
      .get('/v1/whoami')
      .set('Authorization', 'Bearer not.a.token')
      .set('X-Request-Id', 's-badtoken')
      .expect(401);

    const events = await eventsAfter(broker, start);
    const summary = events.map((event) => [event.requestId, event.subject, event.action, event.outcome, event.version]);
    expect(summary).toEqual([
      ['s-create', 'user:admin', 'create', 'allowed', null],
      ['s-create', 'user:admin', 'create', 'succeeded', 1],
      ['s-request', 'user:admin', 'read', 'allowed', null],
      ['s-rotate', 'user:admin', 'rotate', 'allowed', null],
      ['s-rotate', 'user:admin', 'rotate', 'succeeded', 2],
      ['s-rollback', 'user:admin', 'rollback', 'allowed', null],
      ['s-rollback', 'user:admin', 'rollback', 'succeeded', 3],
      ['s-revoke', 'user:admin', 'revoke', 'allowed', null],
      ['s-revoke', 'user:admin', 'revoke', 'succeeded', null],
      ['s-denied', 'user:alice', 'read', 'denied', null],
      ['s-badtoken', 'anonymous', 'authenticate', 'failed', null],
    ]);
    const byRequest = (id: string) => events.filter((event) => event.requestId === id);
    for (const step of ['s-create', 's-rotate', 's-rollback', 's-revoke']) {
      const [intent, outcome] = byRequest(step);
      expect(outcome.intentId).toBe(intent.id);
      expect(intent.matchedGrants).toHaveLength(1);
      expect(intent).toMatchObject({ namespace: 'team-a', name: 'db-main' });
    }
    expect(byRequest('s-denied')[0].reason).toContain('no grant gives read on team-a/db-main');
    expect(byRequest('s-badtoken')[0].reason).toContain('Authentication failed');

    const verify = await broker.as('admin').get('/v1/audit-events/verify').expect(200);
    expect(verify.body).toMatchObject({ ok: true, firstBrokenId: null });
  });

  it('records the decision behind listings of grants, roles and audit events', async () => {
    const start = await lastEventId(broker);
    await broker.as('admin').get('/v1/grants').set('X-Request-Id', 'l-grants').expect(200);
    await graphql(broker, 'admin', ROLES);
    await broker.as('admin').get('/v1/audit-events').set('X-Request-Id', 'l-audit').expect(200);
    const rows: Array<{ request_id: string; action: string; outcome: string; reason: string }> = await broker.app
      .get(DataSource)
      .query(`SELECT request_id, action, outcome, reason FROM audit_events WHERE id > ${start} ORDER BY id`);
    expect(rows.map((row) => [row.action, row.outcome])).toEqual([
      ['grants:manage', 'allowed'],
      ['grants:manage', 'allowed'],
      ['audit:read', 'allowed'],
    ]);
    expect(rows[0]).toMatchObject({ request_id: 'l-grants' });
    expect(rows[2].reason).toContain('allowed by');
  });

  it('links grant and role changes to their intent, including a change that failed', async () => {
    const start = await lastEventId(broker);
    await broker
      .as('admin')
      .post('/v1/grants')
      .set('X-Request-Id', 'g-create')
      .send({ subject: 'user:kim', role: 'reader', namespace: 'team-a' })
      .expect(201);
    await broker.as('admin').delete('/v1/roles/reader').set('X-Request-Id', 'r-delete').expect(409);
    const events = (await eventsAfter(broker, start)).map((event) => ({
      ...event,
      details: (event as unknown as { details: Record<string, unknown> }).details,
    }));
    const [grantIntent, grantOutcome, roleIntent, roleOutcome] = events;
    expect([grantIntent.outcome, grantOutcome.outcome, roleIntent.outcome, roleOutcome.outcome]).toEqual([
      'allowed',
      'succeeded',
      'allowed',
      'failed',
    ]);
    expect(grantOutcome.intentId).toBe(grantIntent.id);
    expect(grantOutcome.details).toMatchObject({ operation: 'create_grant', subject: 'user:kim', role: 'reader' });
    expect(roleOutcome).toMatchObject({ intentId: roleIntent.id, requestId: 'r-delete' });
    expect(roleOutcome.reason).toContain('built in');
  });

  it('refuses a request with 503 and no value while the audit log cannot be written, then recovers', async () => {
    await createSecret(broker, 'team-a', { name: 'fail-closed', data: { password: CANARY } });
    const dataSource = broker.app.get(DataSource);
    await dataSource.query('ALTER TABLE audit_events RENAME TO audit_events_off');
    try {
      const refused = await broker.as('admin').post(`${base}/fail-closed/request`).send({}).expect(503);
      expect(refused.headers['content-type']).toContain('application/problem+json');
      expect(refused.text).not.toContain(CANARY);
      const requested = await graphql(broker, 'admin', REQUEST_SECRET, { namespace: 'team-a', name: 'fail-closed' });
      expect(requested.errors?.[0].extensions.code).toBe('UNAVAILABLE');
      expect(JSON.stringify(requested)).not.toContain(CANARY);
      await broker
        .as('admin')
        .post(`${base}/fail-closed/rotate`)
        .send({ generate: { password: { type: 'password' } } })
        .expect(503);
    } finally {
      await dataSource.query('ALTER TABLE audit_events_off RENAME TO audit_events');
    }
    const served = await broker.as('admin').post(`${base}/fail-closed/request`).send({}).expect(200);
    expect(served.text).toContain(CANARY);
    const versions = await broker.as('admin').get(`${base}/fail-closed/versions`).expect(200);
    expect(versions.body).toHaveLength(1);
  });

  it('keeps canary values out of audit events, logs, metrics and error bodies', async () => {
    await createSecret(broker, 'team-a', { name: 'canary', data: { password: CANARY } });
    await broker.as('admin').post(`${base}/canary/request`).send({}).expect(200);
    const failed = await broker
      .as('admin')
      .put(`${base}/canary`)
      .send({ data: { password: CANARY, 'bad key!': CANARY } })
      .expect(422);
    await broker
      .as('admin')
      .post(`${base}/canary/rotate`)
      .send({ generate: { password: { type: 'password' } }, returnValues: true })
      .expect(200);
    const audit = (await broker.as('admin').get('/v1/audit-events/export').expect(200)).text;
    const metrics = (await broker.http().get('/metrics').expect(200)).text;
    const forms = [CANARY, Buffer.from(CANARY).toString('base64')];
    for (const haystack of [audit, metrics, failed.text, broker.logLines.join('\n')]) {
      for (const form of forms) expect(haystack).not.toContain(form);
    }
    expect(metrics).toMatch(/authz_decisions_total\{verb="read",outcome="allowed"\} [1-9]/);
    expect(metrics).toMatch(/cluster_request_duration_seconds_count\{verb="replace secret"\} [1-9]/);
  });
});

describe('reconciliation of interrupted writes at start', () => {
  it('marks a pending version the cluster holds as current, discards one it does not, and audits both', async () => {
    await withBroker({ RECONCILE_GRACE_SECONDS: '0' }, async (broker) => {
      await createNamespace(broker, 'team-a');
      await createSecret(broker, 'team-a', { name: 'held', data: { password: 'v1' } });
      await createSecret(broker, 'team-a', { name: 'lost', data: { password: 'v1' } });
      const heldIntent = await crashMidRotation(broker, 'team-a', 'held', { reachCluster: true });
      const lostIntent = await crashMidRotation(broker, 'team-a', 'lost', { reachCluster: false });

      const restarted = await broker.restart();
      const held = await restarted.as('admin').get('/v1/namespaces/team-a/secrets/held/versions').expect(200);
      expect(held.body.map((v: { version: number; state: string }) => [v.version, v.state])).toEqual([
        [2, 'current'],
        [1, 'previous'],
      ]);
      const lost = await restarted.as('admin').get('/v1/namespaces/team-a/secrets/lost/versions').expect(200);
      expect(lost.body.map((v: { version: number; state: string }) => [v.version, v.state])).toEqual([[1, 'current']]);

      const events = (await restarted.as('admin').get('/v1/audit-events').query({ verb: 'reconcile' }).expect(200)).body
        .items as EventBody[];
      const byIntent = Object.fromEntries(events.map((event) => [event.intentId, event]));
      expect(byIntent[heldIntent].reason).toContain('version 2 reached the cluster; marked current');
      expect(byIntent[lostIntent].reason).toContain('never reached the cluster; discarded');
      const pending = await restarted.as('admin').get('/v1/audit-events/verify').expect(200);
      expect(pending.body.ok).toBe(true);
    });
  });

  it('leaves intents younger than the grace period to the replica that may still own them', async () => {
    await withBroker({ RECONCILE_GRACE_SECONDS: '3600' }, async (broker) => {
      await createNamespace(broker, 'team-a');
      await createSecret(broker, 'team-a', { name: 'in-flight', data: { password: 'v1' } });
      await crashMidRotation(broker, 'team-a', 'in-flight', { reachCluster: false });
      const restarted = await broker.restart();
      const events = (await restarted.as('admin').get('/v1/audit-events').query({ verb: 'reconcile' }).expect(200)).body
        .items;
      expect(events).toEqual([]);
    });
  });
});

describe('suspicious activity', () => {
  const webhookSecret = 'webhook-secret-0123456789';
  const receiver = useWebhookReceiver();
  const broker = useBroker(() => ({
    ALERT_WEBHOOK_URL: receiver.url,
    ALERT_WEBHOOK_SECRET: webhookSecret,
    TRUST_PROXY: 'loopback',
  }));

  // Shared and only read: mallory may read team-b, not team-a.
  beforeAll(async () => {
    await createNamespace(broker, 'team-a');
    await grantRole(broker, { subject: 'user:mallory', role: 'reader', namespace: 'team-b' });
  });

  const suspiciousEvents = async (query: Record<string, string> = {}) =>
    (
      await broker
        .as('admin')
        .get('/v1/audit-events')
        .query({ verb: 'suspicious_activity', ...query })
        .expect(200)
    ).body.items as EventBody[];
  it('turns five denied reads into one suspicious_activity event and one signed webhook delivery', async () => {
    const totalBefore = await metricValue(broker, 'suspicious_activity_total');
    for (let i = 0; i < 7; i++) {
      await broker.as('mallory').post(`/v1/namespaces/team-a/secrets/db-${i}/request`).send({}).expect(403);
    }
    const events = await suspiciousEvents({ subject: 'user:mallory' });
    expect(events).toHaveLength(1);
    expect(events[0].subject).toBe('user:mallory');
    const deliveriesForMallory = () =>
      receiver.deliveries.filter((delivery) => JSON.parse(delivery.body).subject === 'user:mallory');
    await expect.poll(() => deliveriesForMallory().length, { timeout: 5_000 }).toBe(1);
    const [delivery] = deliveriesForMallory();
    const expected = `sha256=${createHmac('sha256', webhookSecret).update(delivery.body).digest('hex')}`;
    expect(delivery.headers['x-broker-signature']).toBe(expected);
    expect(JSON.parse(delivery.body)).toMatchObject({ action: 'suspicious_activity', subject: 'user:mallory' });
    expect(await metricValue(broker, 'suspicious_activity_total')).toBe(totalBefore + 1);
  });

  it('counts failed authentications from one source address too', async () => {
    // TRUST_PROXY=loopback: X-Forwarded-For sets the source address of these calls.
    const before = (await suspiciousEvents()).length;
    for (let i = 0; i < 5; i++) {
      const forged = signToken({ sub: `x${i}` }, { key: 'wrong-secret-wrong-secret-wrong-secret' });
      await broker
        .http()
        .get('/v1/whoami')
        .set('X-Forwarded-For', '192.0.2.7')
        .set('Authorization', `Bearer ${forged}`)
        .expect(401);
    }
    expect((await suspiciousEvents()).length).toBe(before + 1);
  });
});
