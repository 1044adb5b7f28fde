import { beforeAll, describe, expect, it } from 'vitest';
import {
  createNamespace,
  createRole,
  createSecret,
  createServiceAccount,
  createUnmanagedSecret,
  clusterReview,
  grantRole,
  leaseRequest,
  secretsPath,
  type LeasedTokenBody,
} from '../factories/index.js';
import { LeaseSweeper } from '../../src/leases/lease-sweeper.js';
import { kubeClients } from '../support/kube.js';
import { captureState, expectUnchanged } from '../support/state.js';
import { useBroker } from '../support/use-broker.js';

const BROKER_NAMESPACE = 'broker-home';

describe('leases that would impersonate', () => {
  const broker = useBroker({
    KUBERNETES_TOKEN_REVIEW: 'true',
    BROKER_NAMESPACE,
    BROKER_SERVICE_ACCOUNT: 'broker',
    BROKER_CONFIG_SECRET: 'broker-config',
    LEASE_MAX_ACTIVE_PER_SUBJECT: '3',
  });
  let namespace: string;

  beforeAll(async () => {
    namespace = await createNamespace(broker, 'team-a');
    await createServiceAccount(broker.emulator, namespace, 'app-web');
    await createServiceAccount(broker.emulator, namespace, 'app-deployer');
    await createSecret(broker, namespace, { name: 'db-main', data: { password: 'hunter2-hunter2' } });
    const leaser = await createRole(broker, { verbs: ['lease'] });
    await grantRole(broker, { subject: 'user:dev', role: leaser.name, namespace, namePattern: 'app-*' });
    // The account the attacker wants to become can read what the attacker cannot.
    await grantRole(broker, { subject: `serviceaccount:${namespace}/app-deployer`, role: 'reader', namespace });
  });

  const tokenRequests = () => broker.emulator.requests.filter((request) => request.method === 'POST');

  it('refuses to lease an account holding grants the leaser does not cover, and tokens for foreign audiences', async () => {
    await broker
      .as('dev')
      .post(`${secretsPath(namespace, 'db-main')}/request`)
      .send({})
      .expect(403);
    const before = await captureState(broker);
    broker.emulator.clearRequestLog();

    const escalation = await leaseRequest(broker, 'dev', namespace, 'app-deployer')
      .send({ ttlSeconds: 600, audiences: ['secrets-broker'] })
      .expect(403);
    expect(escalation.body.detail).toContain(`${namespace}/app-deployer holds read`);
    expect(escalation.body.detail).toContain('a lease acts as it');
    const foreign = await leaseRequest(broker, 'dev', namespace, 'app-web')
      .send({ ttlSeconds: 600, audiences: ['vault'] })
      .expect(422);
    expect(foreign.body.detail).toContain('audiences vault may not be leased');
    expect(foreign.body.details.allowedAudiences).toEqual(['api-server', 'secrets-broker']);
    const graphql = await broker
      .as('dev')
      .post('/graphql')
      .send({
        query: `mutation($namespace: String!) {
          leaseServiceAccountToken(namespace: $namespace, name: "app-deployer", input: { ttlSeconds: 600 }) { token }
        }`,
        variables: { namespace },
      })
      .expect(200);
    expect(graphql.body.errors[0].extensions.code).toBe('FORBIDDEN');

    expect(tokenRequests()).toEqual([]);
    const events = await expectUnchanged(broker, before);
    expect(events.filter((event) => event.action === 'lease').map((event) => event.outcome)).toEqual([
      'denied',
      'denied',
    ]);
  });

  it("counts the grants of the account's groups as its own", async () => {
    const groupReader = await grantRole(broker, {
      subject: `group:system:serviceaccounts:${namespace}`,
      role: 'reader',
      namespace,
      namePattern: 'db-*',
    });
    const before = await captureState(broker);
    broker.emulator.clearRequestLog();
    const refused = await leaseRequest(broker, 'dev', namespace, 'app-web').send({ ttlSeconds: 600 }).expect(403);
    expect(refused.body.detail).toContain(`grant ${groupReader.id}`);
    expect(tokenRequests()).toEqual([]);
    await expectUnchanged(broker, before);
    await broker.as('admin').delete(`/v1/grants/${groupReader.id}`).expect(200);
  });

  it('still leases an account whose grants the leaser covers, for the allowed audiences', async () => {
    const lead = await createRole(broker, { verbs: ['lease', 'read', 'list'] });
    await grantRole(broker, { subject: 'user:lead', role: lead.name, namespace });
    const response = await leaseRequest(broker, 'lead', namespace, 'app-deployer')
      .send({ ttlSeconds: 600, audiences: ['secrets-broker'] })
      .expect(201);
    const { token, lease } = response.body as LeasedTokenBody;
    await broker
      .http()
      .post(`${secretsPath(namespace, 'db-main')}/request`)
      .auth(token, { type: 'bearer' })
      .send({})
      .expect(200);
    await broker.as('lead').delete(`/v1/leases/${lease.id}`).expect(200);
    await leaseRequest(broker, 'lead', namespace, 'app-web').send({ ttlSeconds: 600 }).expect(201);
  });

  it('caps the leases one subject holds at once, under concurrency too', async () => {
    const capped = await createRole(broker, { verbs: ['lease'] });
    await grantRole(broker, { subject: 'user:greedy', role: capped.name, namespace, namePattern: 'app-web' });
    const answers = await Promise.all(
      Array.from({ length: 12 }, () => leaseRequest(broker, 'greedy', namespace, 'app-web').send({ ttlSeconds: 600 })),
    );
    const issued = answers.filter((answer) => answer.status === 201);
    expect(issued.length).toBeGreaterThanOrEqual(1);
    expect(issued.length).toBeLessThanOrEqual(3);
    expect(answers.filter((answer) => answer.status !== 201).map((answer) => answer.status)).toEqual(
      Array.from({ length: 12 - issued.length }, () => 429),
    );
    const live = await broker.as('greedy').get('/v1/leases').query({ state: 'active' }).expect(200);
    expect(live.body.items).toHaveLength(issued.length);
    while ((await broker.as('greedy').get('/v1/leases').query({ state: 'active' })).body.items.length < 3) {
      await leaseRequest(broker, 'greedy', namespace, 'app-web').send({ ttlSeconds: 600 }).expect(201);
    }

    const before = await captureState(broker);
    broker.emulator.clearRequestLog();
    const refused = await leaseRequest(broker, 'greedy', namespace, 'app-web').send({ ttlSeconds: 600 }).expect(429);
    expect(refused.body.details).toEqual({ maxActiveLeases: 3 });
    expect(tokenRequests()).toEqual([]);
    await expectUnchanged(broker, before);
  });
});

describe('leases outliving what allowed them', () => {
  const broker = useBroker({ KUBERNETES_TOKEN_REVIEW: 'true', LEASE_SWEEP_SECONDS: '3600' });
  let namespace: string;
  let leaser: string;

  beforeAll(async () => {
    namespace = await createNamespace(broker, 'team-a');
    await createServiceAccount(broker.emulator, namespace, 'app-web');
    leaser = (await createRole(broker, { verbs: ['lease'] })).name;
  });

  async function leaseAs(subject: string): Promise<LeasedTokenBody> {
    const response = await leaseRequest(broker, subject, namespace, 'app-web')
      .send({ ttlSeconds: 600, audiences: ['secrets-broker'] })
      .expect(201);
    return response.body as LeasedTokenBody;
  }

  async function stateOf(id: string): Promise<string> {
    return ((await broker.as('admin').get(`/v1/leases/${id}`).expect(200)).body as { state: string }).state;
  }

  it("ends a subject's leases when the grant that allowed them is deleted", async () => {
    const grant = await grantRole(broker, {
      subject: 'user:contractor',
      role: leaser,
      namespace,
      namePattern: 'app-*',
    });
    const { token, lease } = await leaseAs('contractor');
    await broker.app.get(LeaseSweeper).sweepOnce();
    expect(await stateOf(lease.id)).toBe('active');

    await broker.as('admin').delete(`/v1/grants/${grant.id}`).expect(200);
    await broker.app.get(LeaseSweeper).sweepOnce();
    expect(await stateOf(lease.id)).toBe('revoked');
    expect((await clusterReview(broker.emulator, token, ['secrets-broker'])).authenticated).toBe(false);
    const audit = await broker.as('admin').get('/v1/audit-events').query({ verb: 'lease', limit: 50 }).expect(200);
    expect(JSON.stringify(audit.body)).toContain('the grants that allowed the lease no longer do');
  });

  it('keeps leases allowed through a group, and ends one whose account gained grants its leaser does not cover', async () => {
    await grantRole(broker, { subject: 'group:deployers', role: leaser, namespace, namePattern: 'app-*' });
    const response = await broker
      .as('ci', ['deployers'])
      .post(`/v1/namespaces/${namespace}/serviceaccounts/app-web/leases`)
      .send({ ttlSeconds: 600 })
      .expect(201);
    const { lease } = response.body as LeasedTokenBody;
    await broker.app.get(LeaseSweeper).sweepOnce();
    expect(await stateOf(lease.id)).toBe('active');

    await grantRole(broker, { subject: `serviceaccount:${namespace}/app-web`, role: 'reader', namespace });
    await broker.app.get(LeaseSweeper).sweepOnce();
    expect(await stateOf(lease.id)).toBe('revoked');
  });
});

describe("the broker's own objects", () => {
  const broker = useBroker({
    KUBERNETES_TOKEN_REVIEW: 'true',
    BROKER_NAMESPACE,
    BROKER_SERVICE_ACCOUNT: 'broker',
    BROKER_CONFIG_SECRET: 'broker-config',
    AUDIT_CHECKPOINT_NAMESPACE: BROKER_NAMESPACE,
  });

  beforeAll(async () => {
    await createNamespace(broker, BROKER_NAMESPACE);
    await createServiceAccount(broker.emulator, BROKER_NAMESPACE, 'broker');
    // Created as docs/deployment.md once said: in a namespace the broker manages.
    await createUnmanagedSecret(broker, BROKER_NAMESPACE, 'broker-config', {
      JWT_HS256_SECRET: Buffer.from('the-signing-secret-of-the-broker').toString('base64'),
    });
    await grantRole(broker, { subject: 'user:owner', role: 'admin', namespace: BROKER_NAMESPACE });
  });

  it('refuses every verb on its ServiceAccount, configuration Secret, checkpoint ConfigMap and lease owners, audited', async () => {
    const before = await captureState(broker);
    broker.emulator.clearRequestLog();
    const config = secretsPath(BROKER_NAMESPACE, 'broker-config');
    const answers = [
      await broker.as('owner').get(config),
      await broker.as('owner').post(`${config}/request`).send({}),
      await broker
        .as('owner')
        .put(config)
        .send({ data: { JWT_HS256_SECRET: 'chosen-by-the-attacker-32-chars!!' } }),
      await broker.as('owner').post(`${config}/rotate`).send({}),
      await broker.as('owner').post(`${config}/revoke`).send({ reason: 'take it over' }),
      await broker
        .as('owner')
        .post(secretsPath(BROKER_NAMESPACE))
        .send({ name: 'broker-config', data: { a: 'b' } }),
      await broker
        .as('owner')
        .post(secretsPath(BROKER_NAMESPACE))
        .send({ name: 'secrets-broker-audit-checkpoint', data: { a: 'b' } }),
      await leaseRequest(broker, 'owner', BROKER_NAMESPACE, 'broker').send({ ttlSeconds: 600 }),
      await broker.as('owner').get(secretsPath(BROKER_NAMESPACE, 'broker-lease-00000000-0000-4000-8000-000000000000')),
      await broker.as('admin').get(config),
    ];
    expect(answers.map((answer) => answer.status)).toEqual(Array.from({ length: answers.length }, () => 403));
    expect(answers[0].body.detail).toContain(`${BROKER_NAMESPACE}/broker-config is reserved for the broker itself`);
    const listed = await broker.as('owner').get(secretsPath(BROKER_NAMESPACE)).expect(200);
    expect(JSON.stringify(listed.body)).not.toContain('broker-config');

    expect(broker.emulator.requests.filter((request) => request.path.includes('broker-config'))).toEqual([]);
    const events = await expectUnchanged(broker, before, { allowDecisions: true });
    const reserved = events.filter((event) => event.reason?.includes('reserved for the broker itself'));
    expect(reserved.length).toBeGreaterThanOrEqual(8);
    expect(reserved.every((event) => event.outcome === 'denied')).toBe(true);
    const { core } = kubeClients(broker.emulator);
    const secret = await core.readNamespacedSecret({ namespace: BROKER_NAMESPACE, name: 'broker-config' });
    expect(secret.metadata?.labels ?? {}).not.toHaveProperty('app.kubernetes.io/managed-by');
  });
});
