import { DataSource } from 'typeorm';
import { beforeAll, describe, expect, it } from 'vitest';
import type { AuditEventInput } from '../../src/audit/audit-event.js';
import { AuditService } from '../../src/audit/audit.service.js';
import { AUDIT_EVENTS, grantRole, graphql } from '../factories/index.js';
import { useBroker } from '../support/use-broker.js';

interface EventBody {
  id: string;
  subject: string;
  action: string;
  outcome: string;
  namespace: string | null;
  name: string | null;
  time: string;
}

const event = (
  subject: string,
  action: AuditEventInput['action'],
  outcome: AuditEventInput['outcome'],
  namespace?: string,
  name?: string,
): AuditEventInput => ({
  actor: { subject, request: { requestId: `req-${subject}`, sourceIp: '10.1.2.3', userAgent: 'e2e' } },
  action,
  outcome,
  ...(namespace ? { target: { namespace, name } } : {}),
});

describe('querying and exporting the audit trail', () => {
  const broker = useBroker();
  let midpoint: string;
  let seeded: string;

  // Shared and only read: two scoped auditors and a seeded trail.
  beforeAll(async () => {
    const audit = broker.app.get(AuditService);
    await grantRole(broker, { subject: 'user:carol', role: 'auditor', namespace: 'team-a' });
    await grantRole(broker, { subject: 'user:dan', role: 'auditor', namespace: 'team-b', namePattern: 'db-*' });
    // The grant changes above are audited too; start the trail under test from empty.
    await broker.app.get(DataSource).query('DELETE FROM audit_events');
    // Recorded one by one so ids and times follow this order.
    for (const input of [
      event('user:alice', 'read', 'allowed', 'team-a', 'db-main'),
      event('user:alice', 'rotate', 'allowed', 'team-a', 'db-main'),
      event('user:bob', 'read', 'denied', 'team-b', 'db-main'),
      event('anonymous', 'authenticate', 'failed'),
    ]) {
      await audit.record(input);
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
    midpoint = new Date().toISOString();
    await new Promise((resolve) => setTimeout(resolve, 20));
    for (const input of [
      event('user:bob', 'list', 'allowed', 'team-b', 'api-key'),
      event('user:alice', 'rotate', 'succeeded', 'team-a', 'db-main'),
      ...Array.from({ length: 7 }, (_, index) => event('user:pager', 'read', 'allowed', 'paging', `s-${index}`)),
    ]) {
      await audit.record(input);
    }
    // Later requests are audited too (their own decisions); ranges below stop at the seed.
    seeded = new Date(Date.now() + 1).toISOString();
    await new Promise((resolve) => setTimeout(resolve, 20));
  });

  // Each listing records its own decision (audit:read, no namespace) before it runs; leave those out.
  const list = async (as: string, query: Record<string, string | number> = {}) => {
    const page = (await broker.as(as).get('/v1/audit-events').query(query).expect(200)).body as {
      items: EventBody[];
      continue: string | null;
    };
    return { ...page, items: page.items.filter((item) => item.action !== 'audit:read') };
  };

  it('lists newest first and filters by subject, verb, namespace, name and outcome', async () => {
    const all = await list('admin');
    expect(all.items).toHaveLength(13);
    expect(all.items.map((item) => Number(item.id))).toEqual(
      [...all.items.map((item) => Number(item.id))].sort((a, b) => b - a),
    );
    expect((await list('admin', { subject: 'user:bob' })).items.map((item) => item.action)).toEqual(['list', 'read']);
    expect((await list('admin', { verb: 'rotate' })).items.map((item) => item.outcome)).toEqual([
      'succeeded',
      'allowed',
    ]);
    expect((await list('admin', { namespace: 'team-b', name: 'db-main' })).items).toHaveLength(1);
    expect((await list('admin', { outcome: 'failed' })).items.map((item) => item.subject)).toEqual(['anonymous']);
    expect((await list('admin', { subject: 'user:alice', verb: 'rotate', outcome: 'allowed' })).items).toHaveLength(1);
  });

  it('filters by time range', async () => {
    const before = await list('admin', { until: midpoint });
    expect(before.items).toHaveLength(4);
    const after = await list('admin', { since: midpoint, namespace: 'team-b' });
    expect(after.items.map((item) => item.name)).toEqual(['api-key']);
  });

  it('pages with an opaque cursor until it runs out', async () => {
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const page = await list('admin', { namespace: 'paging', limit: 3, ...(cursor ? { continue: cursor } : {}) });
      seen.push(...page.items.map((item) => item.name as string));
      cursor = page.continue;
      pages++;
    } while (cursor !== null);
    expect(pages).toBe(3);
    expect(seen).toEqual(['s-6', 's-5', 's-4', 's-3', 's-2', 's-1', 's-0']);
  });

  it('shows a namespace auditor only its namespace, and a pattern-scoped one only matching names', async () => {
    const carol = await list('carol');
    expect(carol.items.length).toBe(3);
    expect(carol.items.every((item) => item.namespace === 'team-a')).toBe(true);
    expect((await list('carol', { namespace: 'team-b' })).items).toEqual([]);
    const dan = await list('dan');
    expect(dan.items.map((item) => `${item.namespace}/${item.name}`)).toEqual(['team-b/db-main']);
    await broker.as('bob').get('/v1/audit-events').expect(403);
  });

  it('answers 400 problem+json for bad input', async () => {
    for (const query of [
      { continue: 'not-a-cursor' },
      { continue: Buffer.from('0').toString('base64url') },
      { since: '2030-01-01T00:00:00Z', until: '2020-01-01T00:00:00Z' },
      { outcome: 'maybe' },
      { verb: 'fly' },
      { limit: 0 },
      { limit: 501 },
      { since: 'yesterday' },
      { namespace: 'Team_A' },
      { colour: 'blue' },
    ]) {
      const response = await broker.as('admin').get('/v1/audit-events').query(query);
      expect({ query, status: response.status }).toEqual({ query, status: 400 });
      expect(response.headers['content-type']).toContain('application/problem+json');
    }
  });

  it('exports the visible events of a range as NDJSON, oldest first', async () => {
    const response = await broker
      .as('admin')
      .get('/v1/audit-events/export')
      .query({ since: midpoint, until: seeded })
      .expect(200);
    expect(response.headers['content-type']).toContain('application/x-ndjson');
    const lines = response.text
      .trimEnd()
      .split('\n')
      .map((line) => JSON.parse(line) as EventBody);
    expect(lines).toHaveLength(9);
    expect(lines.map((line) => Number(line.id))).toEqual(
      [...lines.map((line) => Number(line.id))].sort((a, b) => a - b),
    );
    expect(lines.every((line) => line.time >= midpoint)).toBe(true);

    const carol = await broker.as('carol').get('/v1/audit-events/export').expect(200);
    const carolLines = carol.text
      .trimEnd()
      .split('\n')
      .map((line) => JSON.parse(line) as EventBody);
    expect(carolLines.map((line) => line.namespace)).toEqual(['team-a', 'team-a', 'team-a']);
    await broker
      .as('admin')
      .get('/v1/audit-events/export')
      .query({ since: '2030-01-01T00:00:00Z', until: '2020-01-01T00:00:00Z' })
      .expect(400);
    expect(
      (await broker.as('admin').get('/v1/audit-events/export').query({ until: '2000-01-01T00:00:00Z' }).expect(200))
        .text,
    ).toBe('');
  });

  describe('over GraphQL', () => {
    it('answers the same pages as REST through the same service', async () => {
      const first = await graphql(broker, 'admin', AUDIT_EVENTS, { filter: { namespace: 'paging' }, first: 4 });
      expect(first.errors).toBeUndefined();
      const page = first.data?.auditEvents;
      const rest = await list('admin', { namespace: 'paging', limit: 4 });
      expect(page?.items.map((item) => item.id)).toEqual(rest.items.map((item) => item.id));
      // Cursors are sealed afresh each time, but either transport's cursor continues the same listing.
      const next = await graphql(broker, 'admin', AUDIT_EVENTS, {
        filter: { namespace: 'paging' },
        first: 4,
        after: rest.continue ?? undefined,
      });
      expect(next.data?.auditEvents.items).toHaveLength(3);
      const restNext = await list('admin', { namespace: 'paging', limit: 4, continue: page?.continue ?? '' });
      expect(restNext.items).toHaveLength(3);
    });

    it('scopes a namespace auditor and refuses callers without audit:read', async () => {
      const carol = await graphql(broker, 'carol', AUDIT_EVENTS, {});
      expect(carol.data?.auditEvents.items.every((item) => item.namespace === 'team-a')).toBe(true);
      const bob = await graphql(broker, 'bob', AUDIT_EVENTS, {});
      expect(bob.errors?.[0].extensions.code).toBe('FORBIDDEN');
    });

    it.each([
      [{ after: 'bogus' }],
      [{ first: 501 }],
      [{ filter: { outcome: 'maybe' } }],
      [{ filter: { since: '2030-01-01T00:00:00Z', until: '2020-01-01T00:00:00Z' } }],
    ])('answers BAD_USER_INPUT for %j', async (variables) => {
      const result = await graphql(broker, 'admin', AUDIT_EVENTS, variables);
      expect(result.errors?.[0].extensions.code).toBe('BAD_USER_INPUT');
    });
  });
});
