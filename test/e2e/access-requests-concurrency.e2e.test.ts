import { DataSource } from 'typeorm';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  askForAccess,
  createAccessPolicy,
  createNamespace,
  createRole,
  grantRole,
  reviewAccess,
  type AccessRequestBody,
} from '../factories/index.js';
import { useBroker } from '../support/use-broker.js';

const APPROVERS = Array.from({ length: 20 }, (_, i) => `approver-${i}`);
const ROUNDS = 3;

describe('access requests under concurrent reviews', () => {
  const broker = useBroker();
  const namespace = 'team-a';
  let policyName: string;

  beforeAll(async () => {
    await createNamespace(broker, namespace);
    const approver = await createRole(broker, { verbs: ['approve'] });
    for (const sub of APPROVERS) await grantRole(broker, { subject: `user:${sub}`, role: approver.name, namespace });
    policyName = (await createAccessPolicy(broker, { namespace, requesters: ['user:alice'], approvalsRequired: 2 }))
      .name;
  });

  async function ask(namePattern: string): Promise<string> {
    const body = { policy: policyName, namespace, namePattern, role: 'reader', durationSeconds: 600 };
    return ((await askForAccess(broker, 'alice', body).expect(201)).body as AccessRequestBody).id;
  }

  /** What the database holds for a request: its state, its reviews, its grants, its lifecycle events by type. */
  async function recorded(id: string) {
    const dataSource = broker.app.get(DataSource);
    const [request] = await dataSource.query<Array<{ state: string; grant_id: string | null }>>(
      `SELECT state, grant_id FROM access_requests WHERE id = '${id}'`,
    );
    const reviews = await dataSource.query<unknown[]>(
      `SELECT id FROM access_request_reviews WHERE request_id = '${id}'`,
    );
    const grants = await dataSource.query<Array<{ id: string }>>(`SELECT id FROM grants WHERE source_id = '${id}'`);
    const events = await dataSource.query<Array<{ type: string; details: string }>>(
      'SELECT type, details FROM lifecycle_events',
    );
    const types = events.filter((event) => event.details.includes(id)).map((event) => event.type);
    return { ...request, reviews: reviews.length, grants: grants.map((grant) => grant.id), types };
  }

  it('makes one approved transition, one grant and one approved event of 20 concurrent approvals, every accepted review stored', async () => {
    for (let round = 0; round < ROUNDS; round++) {
      const id = await ask(`db-race-${round}`);
      const responses = await Promise.all(
        APPROVERS.map((sub) => reviewAccess(broker, sub, id, { decision: 'approve' })),
      );
      const statuses = responses.map((response) => response.status);
      expect(statuses.filter((status) => status !== 201 && status !== 409)).toEqual([]);
      const accepted = statuses.filter((status) => status === 201).length;
      const approvedNow = responses.filter((response) => response.status === 201 && response.body.state === 'approved');
      expect(approvedNow).toHaveLength(1);
      const stored = await recorded(id);
      expect(stored.state).toBe('approved');
      expect(stored.reviews).toBe(accepted);
      expect(stored.grants).toEqual([stored.grant_id]);
      expect(stored.types.filter((type) => type === 'access_request.approved')).toHaveLength(1);
      expect(stored.types.filter((type) => type === 'access_request.reviewed')).toHaveLength(accepted);
    }
  });

  it('ends an approval racing a denial and a withdrawal in exactly one terminal state, with no orphan grant', async () => {
    for (let round = 0; round < ROUNDS * 2; round++) {
      const id = await ask(`db-duel-${round}`);
      await reviewAccess(broker, 'approver-0', id, { decision: 'approve' }).expect(201);
      const [approval, denial, withdrawal] = await Promise.all([
        reviewAccess(broker, 'approver-1', id, { decision: 'approve' }),
        reviewAccess(broker, 'approver-2', id, { decision: 'deny', reason: 'not now' }),
        broker.as('alice').post(`/v1/access-requests/${id}/withdraw`).send({ reason: 'changed my mind' }),
      ]);
      const winners = [approval, denial, withdrawal].filter((response) => response.ok);
      expect(winners).toHaveLength(1);
      expect([approval, denial, withdrawal].filter((response) => response.status === 409)).toHaveLength(2);
      const stored = await recorded(id);
      const terminal = stored.types.filter((type) => /approved|denied|withdrawn/.test(type));
      expect(terminal).toHaveLength(1);
      if (stored.state === 'approved') expect(stored.grants).toEqual([stored.grant_id]);
      else expect(stored.grants).toEqual([]);
      expect(['approved', 'denied', 'withdrawn']).toContain(stored.state);
    }
  });
});
