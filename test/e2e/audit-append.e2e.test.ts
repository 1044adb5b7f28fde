import type { Pool, PoolClient } from 'pg';
import { DataSource } from 'typeorm';
import type { PostgresDriver } from 'typeorm/driver/postgres/PostgresDriver.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ChainVerifier, keyedLinkHasher, sealAfter, type ChainedEvent } from '../../src/audit/audit-chain.js';
import { toUnsealedEvent } from '../../src/audit/audit-event.js';
import { COLUMNS, rowValues } from '../../src/audit/audit-event.store.js';
import {
  CHAIN_LOCK_KEY,
  INSERT_AFTER_HEAD,
  PostgresAuditEventStore,
} from '../../src/audit/postgres-audit-event.store.js';
import { AuditEventEntity } from '../../src/audit/entities/audit-event.entity.js';
import { databaseOptions } from '../../src/common/database/database-options.js';
import { databaseConfig } from '../../src/config/app-config.js';
import { ENTITIES } from '../../src/entities.js';
import { createTestDatabase, postgresBaseUrl, type TestDatabase } from '../support/database.js';

const hasher = keyedLinkHasher(Buffer.alloc(32, 7));

const events = (prefix: string, count: number) =>
  Array.from({ length: count }, (_, index) =>
    toUnsealedEvent(
      {
        actor: {
          subject: `user:${prefix}`,
          request: { requestId: `${prefix}-${index}`, sourceIp: '127.0.0.1', userAgent: 'test "agent" ☃' },
        },
        action: 'read',
        outcome: 'allowed',
        target: { namespace: 'team-a', name: 'db', version: index + 1 },
        matchedGrants: ['grant-1'],
        latencyMs: 1.25 + index / 3,
        details: { attempt: index, note: 'line\nbreak' },
        ...(index % 2 === 1 ? { reason: "a reason with \\ and 'quotes'" } : {}),
      },
      new Date(),
    ),
  );

// Appends on PostgreSQL go in one statement while this process's last batch is still the head,
// and the locked way otherwise: the chain must stay whole whichever way each batch took.
describe.runIf(postgresBaseUrl())('audit append on PostgreSQL', () => {
  let database: TestDatabase;
  let dataSource: DataSource;
  let statements = 0;

  beforeAll(async () => {
    database = await createTestDatabase();
    dataSource = await new DataSource(databaseOptions(databaseConfig(database.url), ENTITIES)).initialize();
    // Counts what each append sends: every query is a round trip.
    const counted = new WeakSet<PoolClient>();
    ((dataSource.driver as PostgresDriver).master as Pool).on('acquire', (client) => {
      if (counted.has(client)) return;
      counted.add(client);
      const query = client.query.bind(client) as (...args: unknown[]) => unknown;
      (client as { query: unknown }).query = (...args: unknown[]) => {
        statements += 1;
        return query(...args);
      };
    });
  });

  afterAll(async () => {
    await dataSource?.destroy();
    await database?.drop();
  });

  const stored = (): Promise<ChainedEvent[]> =>
    dataSource.getRepository(AuditEventEntity).find({ order: { id: 'ASC' } });

  async function expectWholeChain(length: number): Promise<void> {
    const verifier = new ChainVerifier(hasher);
    const rows = await stored();
    rows.forEach((event) => verifier.accept(event));
    expect(verifier.findings).toEqual([]);
    expect(verifier.intact).toBe(true);
    expect(rows.map((event) => event.id)).toEqual(Array.from({ length }, (_, index) => index + 1));
  }

  async function sent(work: () => Promise<unknown>): Promise<number> {
    const before = statements;
    await work();
    return statements - before;
  }

  it('chains a batch to its own last one in one statement, and stores what it hashed', async () => {
    const replica = new PostgresAuditEventStore(dataSource, hasher);
    expect(await sent(() => replica.append(events('first', 2)))).toBe(3);
    const appended = await replica.append(events('second', 3));
    expect(await sent(() => replica.append(events('third', 4)))).toBe(1);
    await expectWholeChain(9);
    // What went in as JSON reads back as the values that were hashed.
    expect((await stored()).slice(2, 5)).toEqual(appended);
  });

  it('goes the locked way when another writer appended since its last batch', async () => {
    const first = new PostgresAuditEventStore(dataSource, hasher);
    const second = new PostgresAuditEventStore(dataSource, hasher);
    await first.append(events('a', 1));
    await second.append(events('b', 2));
    // The check finds another head and inserts nothing; the batch then takes the lock.
    expect(await sent(() => first.append(events('a', 2)))).toBe(4);
    await expectWholeChain(14);
  });

  it('goes the locked way when a writer commits while it waits for the lock', async () => {
    const replica = new PostgresAuditEventStore(dataSource, hasher);
    await replica.append(events('c', 1));
    // Another writer holds the chain lock and has appended, not yet committed.
    const other = await ((dataSource.driver as PostgresDriver).master as Pool).connect();
    try {
      const [, , head] = (await other.query(
        `BEGIN; SELECT pg_advisory_xact_lock(${CHAIN_LOCK_KEY}); SELECT id, hash FROM audit_events ORDER BY id DESC LIMIT 1`,
      )) as unknown as Array<{ rows: Array<{ id: string; hash: string }> }>;
      const [event] = sealAfter({ id: Number(head.rows[0].id), hash: head.rows[0].hash }, events('d', 1), hasher);
      await other.query(
        `INSERT INTO audit_events (${COLUMNS.join(', ')}) VALUES (${COLUMNS.map((_, index) => `$${index + 1}`).join(', ')})`,
        rowValues(event, event.time),
      );
      const appending = replica.append(events('c', 2));
      await waitForLockWaiter();
      await other.query('COMMIT');
      // Its statement's snapshot predates that commit: the primary key refuses the batch, which then takes the lock.
      await appending;
    } finally {
      other.release();
    }
    await expectWholeChain(18);
  });

  // PostgreSQL plans a prepared statement for its parameters five times, then may cache a generic
  // plan, and a generic plan may scan the whole table where the custom ones used the index.
  it('checks the head through the primary key in the generic plan too, however long the chain', async () => {
    const client = await ((dataSource.driver as PostgresDriver).master as Pool).connect();
    try {
      await client.query('BEGIN');
      await client.query(
        `INSERT INTO audit_events (${COLUMNS.join(', ')})
         SELECT ${COLUMNS.map((column) => (column === 'id' ? 'copies.id + 1000' : `event.${column}`)).join(', ')}
           FROM audit_events AS event, generate_series(1, 20000) AS copies(id) WHERE event.id = 1`,
      );
      await client.query('ANALYZE audit_events');
      await client.query('SET LOCAL plan_cache_mode = force_generic_plan');
      await client.query(`PREPARE append_after_head(json, bigint, text) AS ${INSERT_AFTER_HEAD.text}`);
      const plan = await client.query<{ 'QUERY PLAN': string }>(`EXPLAIN EXECUTE append_after_head('[]', 1, '')`);
      const lines = plan.rows.map((row) => row['QUERY PLAN']).join('\n');
      expect(lines).toContain('Index Scan Backward using');
      expect(lines).not.toMatch(/Seq Scan on audit_events/);
    } finally {
      await client.query('ROLLBACK');
      await client.query('DEALLOCATE ALL');
      client.release();
    }
  });

  async function waitForLockWaiter(): Promise<void> {
    for (let attempt = 0; attempt < 200; attempt += 1) {
      const [row] = await dataSource.query<Array<{ waiting: string }>>(
        "SELECT COUNT(*) AS waiting FROM pg_locks WHERE locktype = 'advisory' AND NOT granted",
      );
      if (Number(row.waiting) > 0) return;
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    throw new Error('No append waited for the chain lock');
  }
});
