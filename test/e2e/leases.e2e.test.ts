import { DataSource } from 'typeorm';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  clusterReview,
  createNamespace,
  createRole,
  createServiceAccount,
  eventually,
  grantRole,
  leaseRequest,
  type LeasedTokenBody,
  type LeaseBody,
} from '../factories/index.js';
import { kubeClients } from '../support/kube.js';
import { useBroker } from '../support/use-broker.js';

const AUDIENCE = 'secrets-broker';

describe('leases of ServiceAccount tokens', () => {
  const broker = useBroker({
    KUBERNETES_TOKEN_REVIEW: 'true',
    LEASE_MIN_TTL_SECONDS: '1',
    LEASE_SWEEP_SECONDS: '1',
  });
  let namespace: string;

  beforeAll(async () => {
    namespace = await createNamespace(broker, 'team-a');
    await createServiceAccount(broker.emulator, namespace, 'app-web');
    await createServiceAccount(broker.emulator, namespace, 'admin');
    const leaser = await createRole(broker, { verbs: ['lease'] });
    await grantRole(broker, { subject: 'user:dev', role: leaser.name, namespace, namePattern: 'app-*' });
  });

  async function lease(ttlSeconds: number, subject = 'dev'): Promise<LeasedTokenBody> {
    const response = await leaseRequest(broker, subject, namespace, 'app-web')
      .send({ ttlSeconds, audiences: [AUDIENCE], reason: 'deploy job' })
      .expect(201);
    return response.body as LeasedTokenBody;
  }

  async function ownerExists(name: string): Promise<boolean> {
    const found = await kubeClients(broker.emulator).core.listNamespacedSecret({ namespace });
    return (found.items ?? []).some((secret) => secret.metadata?.name === name);
  }

  it('issues a token bound to an owner Secret, once, that the cluster and the broker accept as the ServiceAccount', async () => {
    const response = await leaseRequest(broker, 'dev', namespace, 'app-web')
      .send({ ttlSeconds: 900, audiences: [AUDIENCE] })
      .expect(201);
    expect(response.headers['cache-control']).toBe('no-store');
    const { lease: issued, token } = response.body as LeasedTokenBody;
    expect(issued).toMatchObject({
      subject: 'user:dev',
      namespace,
      serviceAccount: 'app-web',
      audiences: [AUDIENCE],
      state: 'active',
    });
    expect(new Date(issued.expiresAt).getTime() - new Date(issued.createdAt).getTime()).toBe(900_000);
    const claims = JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString('utf8'));
    expect(claims['kubernetes.io'].secret.name).toBe(issued.ownerSecret);
    const owner = await kubeClients(broker.emulator).core.readNamespacedSecret({ namespace, name: issued.ownerSecret });
    expect(claims['kubernetes.io'].secret.uid).toBe(owner.metadata?.uid);
    expect(owner.metadata?.labels?.['secrets-broker.io/lease']).toBe(issued.id);
    expect(owner.data ?? {}).toEqual({});

    expect(await clusterReview(broker.emulator, token, [AUDIENCE])).toEqual({
      authenticated: true,
      username: `system:serviceaccount:${namespace}:app-web`,
    });
    const whoami = await broker.http().get('/v1/whoami').auth(token, { type: 'bearer' }).expect(200);
    expect(whoami.body.subject).toBe(`serviceaccount:${namespace}/app-web`);

    const shown = await broker.as('dev').get(`/v1/leases/${issued.id}`).expect(200);
    expect(shown.body).toEqual(issued);
    expect(JSON.stringify(shown.body)).not.toContain(token);
  });

  it('revokes: DELETE deletes the owner object and the token fails TokenReview within a second', async () => {
    const { lease: issued, token } = await lease(900);
    expect((await clusterReview(broker.emulator, token, [AUDIENCE])).authenticated).toBe(true);
    await broker.http().get('/v1/whoami').auth(token, { type: 'bearer' }).expect(200);

    const revokedAt = Date.now();
    const revoked = await broker.as('dev').delete(`/v1/leases/${issued.id}`).expect(200);
    expect(revoked.body).toMatchObject({ id: issued.id, state: 'revoked', endedBy: 'user:dev' });
    expect((await clusterReview(broker.emulator, token, [AUDIENCE])).authenticated).toBe(false);
    expect(Date.now() - revokedAt).toBeLessThan(1000);
    expect(await ownerExists(issued.ownerSecret)).toBe(false);
    // The broker remembers an accepted Secret-bound token for at most a second.
    await eventually(
      async () => (await broker.http().get('/v1/whoami').auth(token, { type: 'bearer' })).status === 401,
      1500,
    );
    await broker.as('dev').delete(`/v1/leases/${issued.id}`).expect(409);

    const events = await broker.app
      .get(DataSource)
      .query<Array<{ type: string; subject: string }>>(
        `SELECT type, subject FROM lifecycle_events WHERE details LIKE '%${issued.id}%' ORDER BY sequence`,
      );
    expect(events).toEqual([
      { type: 'lease.created', subject: 'user:dev' },
      { type: 'lease.revoked', subject: 'user:dev' },
    ]);
  });

  it('ends a 5-second lease at its expiry: the token stops working and the owner object goes within a sweep', async () => {
    const { lease: issued, token } = await lease(5);
    expect((await clusterReview(broker.emulator, token, [AUDIENCE])).authenticated).toBe(true);
    const expiresAt = new Date(issued.expiresAt).getTime();
    await eventually(async () => !(await clusterReview(broker.emulator, token, [AUDIENCE])).authenticated, 9000);
    const endedAt = Date.now();
    // The token itself is valid for 10 minutes (the cluster's minimum): the sweeper ended it.
    expect(endedAt).toBeGreaterThanOrEqual(expiresAt);
    expect(endedAt - expiresAt).toBeLessThan(2500);
    expect(await ownerExists(issued.ownerSecret)).toBe(false);
    // The owner object goes first, then the lease is marked and audited.
    const audited = () =>
      broker.app
        .get(DataSource)
        .query<Array<{ subject: string; outcome: string }>>(
          `SELECT subject, outcome FROM audit_events WHERE details LIKE '%expire_lease%' AND details LIKE '%${issued.id}%'`,
        );
    await eventually(async () => (await audited()).length > 0, 1000);
    expect(await audited()).toEqual([{ subject: 'system:lease-sweeper', outcome: 'succeeded' }]);
    const shown = await broker.as('dev').get(`/v1/leases/${issued.id}`).expect(200);
    expect(shown.body).toMatchObject({ state: 'expired', endedBy: 'system:lease-sweeper' });
  });

  it('lists the leases a caller may see, newest first, with filters and paging on REST and GraphQL', async () => {
    const other = await createRole(broker, { verbs: ['lease'] });
    await grantRole(broker, { subject: 'user:ops', role: other.name, namespace, namePattern: 'app-*' });
    const first = await lease(600);
    const second = await lease(600);
    const theirs = await lease(600, 'ops');

    const mine = await broker.as('dev').get('/v1/leases').query({ state: 'active', limit: 1 }).expect(200);
    expect(mine.body.items.map((item: LeaseBody) => item.id)).toEqual([second.lease.id]);
    const next = await broker
      .as('dev')
      .get('/v1/leases')
      .query({ state: 'active', limit: 1, continue: mine.body.continue })
      .expect(200);
    expect(next.body.items.map((item: LeaseBody) => item.id)).toEqual([first.lease.id]);
    await broker.as('dev').get('/v1/leases').query({ state: 'expired', continue: mine.body.continue }).expect(400);

    const ops = await broker.as('ops').get('/v1/leases').expect(200);
    expect(ops.body.items.map((item: LeaseBody) => item.id)).toEqual([theirs.lease.id]);
    await broker.as('ops').get(`/v1/leases/${first.lease.id}`).expect(404);
    await broker.as('ops').delete(`/v1/leases/${first.lease.id}`).expect(404);
    const none = await broker.as('ops').get('/v1/leases').query({ subject: 'user:dev' }).expect(200);
    expect(none.body.items).toEqual([]);

    const all = await broker.as('admin').get('/v1/leases').query({ namespace, state: 'active' }).expect(200);
    const ids = all.body.items.map((item: LeaseBody) => item.id);
    expect(ids.slice(0, 3)).toEqual([theirs.lease.id, second.lease.id, first.lease.id]);
    await broker.as('stranger').get('/v1/leases').expect(403);

    const graphql = await broker
      .as('dev')
      .post('/graphql')
      .send({
        query: `query($first: Int) { leases(state: "active", first: $first) { items { id state } continue } }`,
        variables: { first: 1 },
      })
      .expect(200);
    expect(graphql.body.data.leases.items).toEqual([{ id: second.lease.id, state: 'active' }]);
    const after = await broker
      .as('dev')
      .post('/graphql')
      .send({
        query: `query($after: String) { leases(state: "active", first: 1, after: $after) { items { id } } }`,
        variables: { after: graphql.body.data.leases.continue },
      })
      .expect(200);
    expect(after.body.data.leases.items).toEqual([{ id: first.lease.id }]);
  });

  it('leases and revokes through GraphQL', async () => {
    const leased = await broker
      .as('dev')
      .post('/graphql')
      .send({
        query: `mutation($namespace: String!) {
          leaseServiceAccountToken(namespace: $namespace, name: "app-web", input: { ttlSeconds: 120, audiences: ["${AUDIENCE}"] }) {
            token tokenExpiresAt lease { id state serviceAccount }
          }
        }`,
        variables: { namespace },
      })
      .expect(200);
    const { token, lease: issued } = leased.body.data.leaseServiceAccountToken;
    expect(issued).toMatchObject({ state: 'active', serviceAccount: 'app-web' });
    expect((await clusterReview(broker.emulator, token, [AUDIENCE])).authenticated).toBe(true);
    const revoked = await broker
      .as('dev')
      .post('/graphql')
      .send({ query: `mutation($id: ID!) { revokeLease(id: $id) { state } }`, variables: { id: issued.id } })
      .expect(200);
    expect(revoked.body.data.revokeLease).toEqual({ state: 'revoked' });
    expect((await clusterReview(broker.emulator, token, [AUDIENCE])).authenticated).toBe(false);
  });

  it('leaves nothing behind when the cluster refuses the token (no such ServiceAccount)', async () => {
    const before = await broker.app.get(DataSource).query<unknown[]>('SELECT id FROM leases');
    const response = await leaseRequest(broker, 'dev', namespace, 'app-missing').send({ ttlSeconds: 60 }).expect(404);
    expect(response.body.detail).toContain('app-missing');
    expect(await broker.app.get(DataSource).query<unknown[]>('SELECT id FROM leases')).toEqual(before);
    const owners = await kubeClients(broker.emulator).core.listNamespacedSecret({
      namespace,
      labelSelector: 'secrets-broker.io/lease',
    });
    const live = await broker.app
      .get(DataSource)
      .query<Array<{ owner_name: string }>>("SELECT owner_name FROM leases WHERE state IN ('pending', 'active')");
    expect(owners.items.map((secret) => secret.metadata?.name).sort()).toEqual(
      live.map((row) => row.owner_name).sort(),
    );
  });

  it('refuses a ttl outside the configured bounds before deciding anything', async () => {
    await leaseRequest(broker, 'dev', namespace, 'app-web').send({ ttlSeconds: 86_401 }).expect(422);
    await leaseRequest(broker, 'dev', namespace, 'app-web').send({ ttlSeconds: 0 }).expect(400);
    await leaseRequest(broker, 'dev', namespace, 'app-web').send({}).expect(400);
  });
});
