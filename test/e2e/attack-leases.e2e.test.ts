import { DataSource } from 'typeorm';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  createNamespace,
  createRole,
  createServiceAccount,
  grantRole,
  leaseRequest,
  type LeasedTokenBody,
} from '../factories/index.js';
import { captureState, expectUnchanged } from '../support/state.js';
import { useBroker } from '../support/use-broker.js';

describe('leases under attack', () => {
  const broker = useBroker({ KUBERNETES_TOKEN_REVIEW: 'true', LOG_LEVEL: 'debug' });
  let namespace: string;
  let leaserRole: string;

  beforeAll(async () => {
    namespace = await createNamespace(broker, 'team-a');
    await createServiceAccount(broker.emulator, namespace, 'app-web');
    await createServiceAccount(broker.emulator, namespace, 'admin');
    const leaser = await createRole(broker, { verbs: ['lease'] });
    leaserRole = leaser.name;
    const response = await broker
      .as('admin')
      .post('/v1/grants')
      .send({ subject: 'user:dev', role: leaser.name, namespace, namePattern: 'app-*', maxLeaseTtlSeconds: 600 })
      .expect(201);
    expect(response.body.maxLeaseTtlSeconds).toBe(600);
  });

  const tokenRequests = () =>
    broker.emulator.requests.filter((request) => request.path.endsWith('/token') || request.method === 'POST');

  it('refuses a ServiceAccount outside the name pattern and a TTL above the cap, changing nothing', async () => {
    const before = await captureState(broker);
    broker.emulator.clearRequestLog();

    const outside = await leaseRequest(broker, 'dev', namespace, 'admin').send({ ttlSeconds: 60 }).expect(403);
    expect(outside.body.detail).toContain(`no grant gives lease on ${namespace}/admin`);
    const tooLong = await leaseRequest(broker, 'dev', namespace, 'app-web').send({ ttlSeconds: 601 }).expect(403);
    expect(tooLong.body.detail).toContain('exceeds the 600s your grants allow');
    await leaseRequest(broker, 'dev', 'team-b', 'app-web').send({ ttlSeconds: 60 }).expect(403);
    await leaseRequest(broker, 'nobody', namespace, 'app-web').send({ ttlSeconds: 60 }).expect(403);
    await leaseRequest(broker, 'dev', namespace, 'App_Web').send({ ttlSeconds: 60 }).expect(400);
    await leaseRequest(broker, 'dev', namespace, 'app-web')
      .send({ ttlSeconds: 60, audiences: ['evil\u0000'] })
      .expect(400);
    const graphql = await broker
      .as('dev')
      .post('/graphql')
      .send({
        query: `mutation($namespace: String!) {
          leaseServiceAccountToken(namespace: $namespace, name: "admin", input: { ttlSeconds: 60 }) { token }
        }`,
        variables: { namespace },
      })
      .expect(200);
    expect(graphql.body.errors[0].extensions.code).toBe('FORBIDDEN');

    expect(tokenRequests()).toEqual([]);
    const refusals = await expectUnchanged(broker, before);
    expect(refusals.filter((event) => event.action === 'lease').map((event) => event.outcome)).toEqual([
      'denied',
      'denied',
      'denied',
      'denied',
      'denied',
    ]);
  });

  it('caps leases by role too, and a capped granter cannot hand out longer leases', async () => {
    const shortRole = (
      await broker
        .as('admin')
        .post('/v1/roles')
        .send({ name: 'short-leaser', verbs: ['lease', 'grants:manage'], maxLeaseTtlSeconds: 300 })
        .expect(201)
    ).body;
    expect(shortRole.maxLeaseTtlSeconds).toBe(300);
    const granted = await grantRole(broker, {
      subject: 'user:lead',
      role: 'short-leaser',
      namespace,
      namePattern: 'app-*',
    });
    expect(granted.maxLeaseTtlSeconds).toBe(300);
    const before = await captureState(broker);
    broker.emulator.clearRequestLog();

    const tooLong = await leaseRequest(broker, 'lead', namespace, 'app-web').send({ ttlSeconds: 301 }).expect(403);
    expect(tooLong.body.detail).toContain('exceeds the 300s your grants allow');
    const escalation = await broker
      .as('lead')
      .post('/v1/grants')
      .send({ subject: 'user:friend', role: leaserRole, namespace, namePattern: 'app-*' })
      .expect(403);
    expect(escalation.body.detail).toContain('must cap leases at 300s or less');
    await broker
      .as('lead')
      .post('/v1/grants')
      .send({ subject: 'user:friend', role: leaserRole, namespace, namePattern: 'app-*', maxLeaseTtlSeconds: 900 })
      .expect(403);

    expect(tokenRequests()).toEqual([]);
    await expectUnchanged(broker, before);
  });

  it('hides and protects other callers’ leases: unknown and foreign ids answer alike, nothing changes', async () => {
    const { lease } = (await leaseRequest(broker, 'dev', namespace, 'app-web').send({ ttlSeconds: 600 }).expect(201))
      .body as LeasedTokenBody;
    const intruder = await createRole(broker, { verbs: ['lease'] });
    await grantRole(broker, { subject: 'user:mallory', role: intruder.name, namespace, namePattern: 'app-*' });
    const before = await captureState(broker);
    broker.emulator.clearRequestLog();

    const foreign = await broker.as('mallory').delete(`/v1/leases/${lease.id}`).expect(404);
    const unknown = await broker.as('mallory').delete('/v1/leases/00000000-0000-4000-8000-000000000000').expect(404);
    expect(foreign.body.title).toBe(unknown.body.title);
    await broker.as('mallory').get(`/v1/leases/${lease.id}`).expect(404);
    await broker.as('mallory').delete('/v1/leases/not-a-uuid').expect(400);
    const listed = await broker.as('mallory').get('/v1/leases').query({ subject: 'user:dev' }).expect(200);
    expect(listed.body.items).toEqual([]);

    expect(tokenRequests()).toEqual([]);
    await expectUnchanged(broker, before, { allowDecisions: true });
  });

  it('never lets the token out except in the lease response: not in logs, audit, events, metrics or other answers', async () => {
    const response = await leaseRequest(broker, 'dev', namespace, 'app-web')
      .send({ ttlSeconds: 300, audiences: ['secrets-broker'], reason: 'leak check' })
      .expect(201);
    const { token, lease } = response.body as LeasedTokenBody;
    const signature = token.split('.')[2];
    await broker.http().get('/v1/whoami').auth(token, { type: 'bearer' }).expect(200);

    const answers = [
      await broker.as('dev').get(`/v1/leases/${lease.id}`).expect(200),
      await broker.as('dev').get('/v1/leases').expect(200),
      await broker.as('admin').get('/v1/leases').expect(200),
      await broker.as('admin').get('/v1/audit-events').query({ limit: 500 }).expect(200),
      await broker.as('dev').delete(`/v1/leases/${lease.id}`).expect(200),
      await broker
        .as('dev')
        .post('/graphql')
        .send({ query: '{ leases { items { id state tokenFingerprint ownerSecret } } }' })
        .expect(200),
      await broker.http().get('/metrics').expect(200),
    ];
    const dataSource = broker.app.get(DataSource);
    const stored = [
      await dataSource.query('SELECT * FROM audit_events'),
      await dataSource.query('SELECT * FROM lifecycle_events'),
      await dataSource.query('SELECT * FROM leases'),
    ];
    const everything = [
      ...answers.map((answer) => `${JSON.stringify(answer.headers)}${answer.text}`),
      ...stored.map((rows) => JSON.stringify(rows)),
      broker.logLines.join('\n'),
    ].join('\n');
    expect(everything).toContain(lease.id);
    expect(everything).not.toContain(token);
    expect(everything).not.toContain(signature);
    expect(JSON.stringify(stored[0])).toContain(lease.tokenFingerprint);
  });
});
