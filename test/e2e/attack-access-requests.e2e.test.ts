import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { DataSource } from 'typeorm';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  askForAccess,
  createAccessPolicy,
  createNamespace,
  createRole,
  eventually,
  gql,
  graphql,
  grantRole,
  reviewAccess,
  type AccessRequestBody,
} from '../factories/index.js';
import { captureState, expectUnchanged } from '../support/state.js';
import { tokenFor } from '../support/tokens.js';
import { useBroker } from '../support/use-broker.js';

interface GqlRequest {
  readonly id: string;
  readonly state: string;
  readonly approvals: number;
}

const REQUEST_ACCESS = gql<{ requestAccess: GqlRequest }, { input: Record<string, unknown> }>(
  `mutation($input: RequestAccessInput!) { requestAccess(input: $input) { id state approvals } }`,
);
const REVIEW = gql<{ reviewAccessRequest: GqlRequest }, { id: string; decision: string; reason?: string }>(
  `mutation($id: ID!, $decision: AccessReviewDecision!, $reason: String) {
    reviewAccessRequest(id: $id, decision: $decision, reason: $reason) { id state approvals }
  }`,
);
const ACCESS_REQUESTS = gql<{ accessRequests: { items: GqlRequest[] } }, { view: string }>(
  `query($view: String) { accessRequests(view: $view) { items { id state approvals } } }`,
);
const WITHDRAW = gql<{ withdrawAccessRequest: GqlRequest }, { id: string }>(
  `mutation($id: ID!) { withdrawAccessRequest(id: $id, reason: "not needed") { id state } }`,
);

describe('attacks on access requests', () => {
  const broker = useBroker();
  const namespace = 'team-a';
  let policyName: string;

  beforeAll(async () => {
    await createNamespace(broker, namespace);
    const approver = await createRole(broker, { verbs: ['approve'] });
    // alice may approve through a group, and asks for herself under the same scope.
    await grantRole(broker, { subject: 'group:sre', role: approver.name, namespace });
    await grantRole(broker, { subject: 'user:bob', role: approver.name, namespace });
    await grantRole(broker, { subject: 'user:carol', role: approver.name, namespace });
    policyName = (
      await createAccessPolicy(broker, { namespace, requesters: ['user:alice', 'group:sre'], approvalsRequired: 2 })
    ).name;
  });

  /** The bootstrapped admin holds approve everywhere, and asks for itself all the same. */
  async function askAsAdmin(): Promise<AccessRequestBody> {
    const own = await createAccessPolicy(broker, { namespace, requesters: ['user:admin'], approvalsRequired: 1 });
    const body = { policy: own.name, namespace, role: 'reader', durationSeconds: 600 };
    return (await askForAccess(broker, 'admin', body).expect(201)).body as AccessRequestBody;
  }

  async function askAsAlice(namePattern: string): Promise<AccessRequestBody> {
    const body = { policy: policyName, namespace, namePattern, role: 'reader', durationSeconds: 600 };
    return (await askForAccess(broker, 'alice', body, ['sre']).expect(201)).body as AccessRequestBody;
  }

  it('refuses self-review by every path: plain, through a group, with another token, over GraphQL; nothing changes', async () => {
    const { id } = await askAsAlice('db-self');
    const before = await captureState(broker);
    // Without the group alice holds no approve at all: the route refuses her first.
    await reviewAccess(broker, 'alice', id, { decision: 'approve' }).expect(403);
    for (const groups of [['sre'], ['sre', 'other']]) {
      const refused = await reviewAccess(broker, 'alice', id, { decision: 'approve' }, groups).expect(403);
      expect(refused.body.detail).toContain('own request');
    }
    await reviewAccess(broker, 'alice', id, { decision: 'deny', reason: 'mine' }, ['sre']).expect(403);
    const overGraphql = await broker
      .as('alice', ['sre'])
      .post('/graphql')
      .send({ query: REVIEW.query, variables: { id, decision: 'APPROVE' } })
      .expect(200);
    expect(overGraphql.body.errors[0]).toMatchObject({ extensions: { code: 'FORBIDDEN' } });
    expect(overGraphql.body.errors[0].message).toContain('own request');
    const events = await expectUnchanged(broker, before);
    expect(
      events.filter((event) => event.action === 'access_request.review' && event.outcome === 'denied'),
    ).toHaveLength(4);
  });

  it('refuses an admin reviewing its own request', async () => {
    const { id } = await askAsAdmin();
    const before = await captureState(broker);
    await reviewAccess(broker, 'admin', id, { decision: 'approve' }).expect(403);
    await expectUnchanged(broker, before);
  });

  it('refuses withdrawal by anyone but the requester', async () => {
    const { id } = await askAsAlice('db-withdraw');
    const before = await captureState(broker);
    await broker.as('bob').post(`/v1/access-requests/${id}/withdraw`).send({}).expect(403);
    await broker.as('mallory').post(`/v1/access-requests/${id}/withdraw`).send({}).expect(404);
    // bob may see the request (an allowed decision), but not withdraw it.
    await expectUnchanged(broker, before, { allowDecisions: true });
  });

  it('works over GraphQL: request, distinct approvals, listing, withdrawal', async () => {
    const asked = await graphql(broker, 'alice', REQUEST_ACCESS, {
      input: { policy: policyName, namespace, namePattern: 'db-gql', role: 'reader', durationSeconds: 600 },
    });
    const id = asked.data?.requestAccess.id ?? '';
    expect(asked.data?.requestAccess).toMatchObject({ state: 'pending', approvals: 0 });
    const first = await graphql(broker, 'bob', REVIEW, { id, decision: 'APPROVE' });
    expect(first.data?.reviewAccessRequest).toMatchObject({ state: 'pending', approvals: 1 });
    const inbox = await graphql(broker, 'carol', ACCESS_REQUESTS, { view: 'needs-my-review' });
    expect(inbox.data?.accessRequests.items.map((item) => item.id)).toContain(id);
    const denied = await graphql(broker, 'carol', REVIEW, { id, decision: 'DENY' });
    expect(denied.errors?.[0]?.extensions.code).toBe('BAD_USER_INPUT');
    const second = await graphql(broker, 'carol', REVIEW, { id, decision: 'APPROVE' });
    expect(second.data?.reviewAccessRequest).toMatchObject({ state: 'approved', approvals: 2 });

    const other = await graphql(broker, 'alice', REQUEST_ACCESS, {
      input: { policy: policyName, namespace, namePattern: 'db-gql-2', role: 'reader', durationSeconds: 600 },
    });
    const withdrawn = await graphql(broker, 'alice', WITHDRAW, { id: other.data?.requestAccess.id ?? '' });
    expect(withdrawn.data?.withdrawAccessRequest).toMatchObject({ state: 'withdrawn' });
  });

  it('refuses everything with 503 and changes nothing while the audit log is unavailable', async () => {
    const pending = await askAsAlice('db-audit');
    const dataSource = broker.app.get(DataSource);
    const before = await captureState(broker);
    await dataSource.query('ALTER TABLE audit_events RENAME TO audit_events_off');
    try {
      const body = { policy: policyName, namespace, namePattern: 'db-audit-2', role: 'reader', durationSeconds: 600 };
      await askForAccess(broker, 'alice', body).expect(503);
      await reviewAccess(broker, 'bob', pending.id, { decision: 'approve' }).expect(503);
      await broker.as('alice').post(`/v1/access-requests/${pending.id}/withdraw`).send({}).expect(503);
      const policy = {
        name: 'audit-off',
        namespace,
        requesters: ['user:alice'],
        roles: ['reader'],
        approvalsRequired: 1,
        maxDurationSeconds: 600,
      };
      await broker.as('admin').post('/v1/access-policies').send(policy).expect(503);
    } finally {
      await dataSource.query('ALTER TABLE audit_events_off RENAME TO audit_events');
    }
    expect((await captureState(broker)).tables).toEqual(before.tables);
  });

  it('shows approvers the requests that need them, and the requester only its own, live', async () => {
    await broker.app.listen(0, '127.0.0.1');
    const port = ((broker.app.getHttpServer() as Server).address() as AddressInfo).port;
    const listen = (sub: string) => {
      const seen: Array<{ type: string; audience: string; request: { id: string } }> = [];
      const client = createClient({
        url: `ws://127.0.0.1:${port}/graphql`,
        webSocketImpl: WebSocket,
        retryAttempts: 0,
        connectionParams: { authorization: `Bearer ${tokenFor(sub, ['sre'])}` },
      });
      const started = new Promise<void>((resolve) => {
        client.on('connected', () => resolve());
      });
      client.subscribe(
        { query: 'subscription { accessRequestEvents { type audience request { id } } }' },
        {
          next: (result) =>
            void seen.push((result.data as { accessRequestEvents: (typeof seen)[number] }).accessRequestEvents),
          error: () => undefined,
          complete: () => undefined,
        },
      );
      return { client, seen, started };
    };
    const alice = listen('alice');
    const bob = listen('bob');
    await Promise.all([alice.started, bob.started]);
    try {
      const { id } = await askAsAlice('db-live');
      await reviewAccess(broker, 'bob', id, { decision: 'approve' }).expect(201);
      const about = (events: typeof alice.seen) => events.filter((event) => event.request.id === id);
      await eventually(async () => about(alice.seen).length >= 2 && about(bob.seen).length >= 2, 5000);
      expect(about(bob.seen)).toEqual([
        { type: 'access_request.created', audience: 'reviewer', request: { id } },
        { type: 'access_request.reviewed', audience: 'reviewer', request: { id } },
      ]);
      // alice holds approve through group:sre, yet hears of her own request only as its requester.
      expect(about(alice.seen).map((event) => event.audience)).toEqual(['requester', 'requester']);
    } finally {
      await alice.client.dispose();
      await bob.client.dispose();
    }
  });
});
