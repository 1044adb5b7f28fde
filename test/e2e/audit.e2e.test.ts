import type { INestApplication } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/app.factory.js';
import type { AuditEventInput } from '../../src/audit/audit-event.js';
import { AuditService } from '../../src/audit/audit.service.js';
import { DomainError, ErrorCode } from '../../src/common/errors/domain-error.js';
import { createLogger } from '../../src/common/logging/logger.js';
import { grantRole } from '../factories/index.js';
import { postgresBaseUrl } from '../support/database.js';
import { useBroker } from '../support/use-broker.js';

const kind = postgresBaseUrl() ? 'postgres' : 'sqlite';

const auditInput = (overrides: Partial<AuditEventInput> = {}): AuditEventInput => ({
  actor: { subject: 'user:alice', request: { requestId: 'req-1', sourceIp: '10.0.0.1', userAgent: 'test' } },
  action: 'read',
  outcome: 'allowed',
  target: { namespace: 'team-a', name: 'db-main', version: 1 },
  matchedGrants: ['00000000-0000-0000-0000-000000000001'],
  reason: 'e2e',
  latencyMs: 0.5,
  ...overrides,
});

describe(`the audit chain (${kind})`, () => {
  // Tests here empty the table between cases; a periodic checkpoint in between would (rightly)
  // report that as truncation, so only the start-up checkpoint of the empty chain is written.
  const broker = useBroker({ AUDIT_CHECKPOINT_SECONDS: '86400' });
  let audit: AuditService;
  let sql: (statement: string) => Promise<unknown>;

  beforeAll(() => {
    audit = broker.app.get(AuditService);
    const dataSource = broker.app.get(DataSource);
    sql = (statement) => dataSource.query(statement);
  });
  afterEach(async () => {
    // Each test starts from an empty chain; tampering tests leave theirs broken.
    await sql('DELETE FROM audit_events');
  });

  // The verify request's own audit:read decision is appended before the walk, so it is counted too.
  const verify = async () => (await broker.as('admin').get('/v1/audit-events/verify').expect(200)).body;
  const recordMany = (count: number) =>
    Promise.all(
      Array.from({ length: count }, (_, index) =>
        audit.record(
          auditInput({
            actor: {
              subject: `user:u${index}`,
              request: { requestId: `r${index}`, sourceIp: undefined, userAgent: undefined },
            },
          }),
        ),
      ),
    );

  it('chains recorded events and verifies them', async () => {
    const first = await audit.record(auditInput());
    const second = await audit.record(auditInput({ outcome: 'denied', matchedGrants: [] }));
    expect(first.prevHash).toBe('0'.repeat(64));
    expect(second).toMatchObject({ prevHash: first.hash, outcome: 'denied' });
    expect(await verify()).toMatchObject({ ok: true, checked: 3, firstBrokenId: null, findings: [] });
  });

  it('verifies a chain holding only its own decision', async () => {
    expect(await verify()).toMatchObject({ ok: true, checked: 1, firstBrokenId: null, findings: [] });
  });

  it('reports a modified event by its id', async () => {
    const events = await recordMany(5);
    const target = events.map((event) => Number(event.id)).sort((a, b) => a - b)[2];
    await sql(`UPDATE audit_events SET reason = 'nothing to see' WHERE id = ${target}`);
    expect(await verify()).toMatchObject({
      ok: false,
      checked: 3,
      firstBrokenId: String(target),
      findings: [{ kind: 'hash-mismatch', fromId: String(target), toId: String(target) }],
    });
  });

  it('reports the event after a deleted one', async () => {
    const ids = (await recordMany(5)).map((event) => Number(event.id)).sort((a, b) => a - b);
    await sql(`DELETE FROM audit_events WHERE id = ${ids[1]}`);
    expect(await verify()).toMatchObject({
      ok: false,
      firstBrokenId: String(ids[2]),
      findings: [
        { kind: 'gap', fromId: String(ids[1]), toId: String(ids[1]) },
        { kind: 'broken-link', fromId: String(ids[2]) },
      ],
    });
  });

  it('walks chains longer than one read batch', async () => {
    for (let round = 0; round < 5; round++) await recordMany(250);
    expect(await verify()).toMatchObject({ ok: true, checked: 1251, firstBrokenId: null, findings: [] });
  });

  it('keeps one chain under 200 concurrent records', async () => {
    const events = await recordMany(200);
    expect(new Set(events.map((event) => event.id)).size).toBe(200);
    expect(await verify()).toMatchObject({ ok: true, checked: 201, firstBrokenId: null, findings: [] });
  });

  it('refuses with UNAVAILABLE while the audit table cannot be written, and recovers', async () => {
    await audit.record(auditInput());
    await sql('ALTER TABLE audit_events RENAME TO audit_events_off');
    try {
      const failure = await audit.record(auditInput()).then(
        () => undefined,
        (error: unknown) => error,
      );
      expect(failure).toBeInstanceOf(DomainError);
      expect(failure).toMatchObject({ code: ErrorCode.Unavailable, message: 'Audit log unavailable; request refused' });
    } finally {
      await sql('ALTER TABLE audit_events_off RENAME TO audit_events');
    }
    await audit.record(auditInput());
    expect(await verify()).toMatchObject({ ok: true, checked: 3, firstBrokenId: null, findings: [] });
    const metrics = (await broker.http().get('/metrics').expect(200)).text;
    expect(metrics).toMatch(/^audit_write_failures_total [1-9]/m);
  });

  it('refuses details that look like values and stores nothing', async () => {
    const refused = audit.record(auditInput({ details: { value: 'hunter2' } }));
    await expect(refused).rejects.toMatchObject({ code: ErrorCode.Internal });
    expect(await verify()).toMatchObject({ checked: 1 });
  });

  it('lists mutation intents that have no outcome yet', async () => {
    const pending = await audit.record(auditInput({ action: 'rotate', reason: 'scheduled' }));
    const finished = await audit.record(auditInput({ action: 'update' }));
    await audit.record(auditInput({ action: 'update', outcome: 'succeeded', intentId: finished.id }));
    await audit.record(auditInput({ action: 'read' }));
    await audit.record(auditInput({ action: 'revoke', outcome: 'denied' }));
    expect((await audit.findPendingIntents()).map((event) => event.id)).toEqual([pending.id]);
  });

  it('refuses verification to an auditor of one namespace', async () => {
    await grantRole(broker, { subject: 'user:nsauditor', role: 'auditor', namespace: 'team-a' });
    const response = await broker.as('nsauditor').get('/v1/audit-events/verify').expect(403);
    expect(response.headers['content-type']).toContain('application/problem+json');
    await broker.as('nobody').get('/v1/audit-events/verify').expect(403);
    await broker.http().get('/v1/audit-events/verify').expect(401);
  });
});

// SQLite is embedded, one process per file: replicas are a PostgreSQL deployment only. A broker of
// its own: the replica's shutdown checkpoint must not meet the table wipes of the cases above.
describe.skipIf(kind !== 'postgres')('two replicas on one PostgreSQL database', () => {
  const broker = useBroker();

  it('keep one chain when they record concurrently, and one advancing checkpoint', async () => {
    const audit = broker.app.get(AuditService);
    // A second application on the same DATABASE_URL (and otherwise the same configuration).
    const replica: INestApplication = await createApp(broker.config, createLogger('silent'));
    try {
      const other = replica.get(AuditService);
      const events = await Promise.all(
        Array.from({ length: 200 }, (_, index) =>
          (index % 2 === 0 ? audit : other).record(auditInput({ reason: `call ${index}` })),
        ),
      );
      expect(new Set(events.map((event) => event.id)).size).toBe(200);
    } finally {
      await replica.close();
    }
    const verified = (await broker.as('admin').get('/v1/audit-events/verify').expect(200)).body;
    expect(verified).toMatchObject({
      ok: true,
      checked: 201,
      firstBrokenId: null,
      findings: [],
      checkpoint: { id: '200', count: 200 },
    });
  });
});
