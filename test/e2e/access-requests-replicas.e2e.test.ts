import { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  askForAccess,
  createAccessPolicy,
  createRole,
  grantRole,
  reviewAccess,
  type AccessRequestBody,
} from '../factories/index.js';
import type { Broker } from '../support/broker.js';
import { postgresBaseUrl } from '../support/database.js';
import { createNamespaces } from '../support/kube.js';
import { startReplica, timeUntil, type Replica } from '../support/replica.js';
import { useBroker } from '../support/use-broker.js';

// The grant reaches the other replica by LISTEN/NOTIFY: its version check is an hour away.
const PROPAGATION_MS = 1_000;
const RACERS = Array.from({ length: 12 }, (_, i) => `racer-${i}`);

describe.skipIf(!postgresBaseUrl())('access granted and revoked across replicas (postgres)', () => {
  const broker = useBroker({ CACHE_VERSION_CHECK_SECONDS: '3600' });
  let replica: Replica;
  let policyName: string;

  beforeAll(async () => {
    await createNamespaces(broker.emulator, 'team-a');
    const approver = await createRole(broker, { verbs: ['approve'] });
    for (const subject of ['user:bob', 'user:carol', ...RACERS.map((sub) => `user:${sub}`)]) {
      await grantRole(broker, { subject, role: approver.name, namespace: 'team-a' });
    }
    policyName = (await createAccessPolicy(broker, { namespace: 'team-a', requesters: ['user:alice'] })).name;
    replica = await startReplica(broker);
  });
  afterAll(async () => {
    await replica?.close();
  });

  const listSecrets = async (on: { as: Broker['as'] }) =>
    (await on.as('alice').get('/v1/namespaces/team-a/secrets')).status;

  it('an approval on one replica lets the requester in on the other, and a revocation there shuts it out', async () => {
    const asked = await askForAccess(replica, 'alice', {
      policy: policyName,
      namespace: 'team-a',
      role: 'reader',
      durationSeconds: 600,
    }).expect(201);
    const { id } = asked.body as AccessRequestBody;
    await reviewAccess(broker, 'bob', id, { decision: 'approve' }).expect(201);
    expect(await listSecrets(replica)).toBe(403);
    const approved = await reviewAccess(replica, 'carol', id, { decision: 'approve' }).expect(201);
    expect((approved.body as AccessRequestBody).state).toBe('approved');
    expect(await listSecrets(replica)).toBe(200);
    await timeUntil(async () => (await listSecrets(broker)) === 200, PROPAGATION_MS);

    await replica.as('alice').post(`/v1/access-requests/${id}/revoke`).send({ reason: 'done' }).expect(200);
    expect(await listSecrets(replica)).toBe(403);
    await timeUntil(async () => (await listSecrets(broker)) === 403, PROPAGATION_MS);
  });

  it('approvals racing on two replicas make one approved transition and one grant', async () => {
    for (let round = 0; round < 3; round++) {
      const asked = await askForAccess(broker, 'alice', {
        policy: policyName,
        namespace: 'team-a',
        namePattern: `db-race-${round}`,
        role: 'reader',
        durationSeconds: 600,
      }).expect(201);
      const { id } = asked.body as AccessRequestBody;
      const responses = await Promise.all(
        RACERS.map((sub, i) => reviewAccess(i % 2 === 0 ? broker : replica, sub, id, { decision: 'approve' })),
      );
      expect(responses.filter((response) => response.status !== 201 && response.status !== 409)).toEqual([]);
      expect(
        responses.filter((response) => response.status === 201 && response.body.state === 'approved'),
      ).toHaveLength(1);
      const accepted = responses.filter((response) => response.status === 201).length;
      const dataSource = broker.app.get(DataSource);
      const reviews = await dataSource.query<unknown[]>(
        `SELECT id FROM access_request_reviews WHERE request_id = '${id}'`,
      );
      const grants = await dataSource.query<unknown[]>(`SELECT id FROM grants WHERE source_id = '${id}'`);
      const approved = await dataSource.query<unknown[]>(
        `SELECT id FROM lifecycle_events WHERE type = 'access_request.approved' AND details LIKE '%${id}%'`,
      );
      expect({ reviews: reviews.length, grants: grants.length, approved: approved.length }).toEqual({
        reviews: accepted,
        grants: 1,
        approved: 1,
      });
    }
  });
});
