import type { DatabaseError, PoolClient, QueryResult } from 'pg';
import type { EntityManager } from 'typeorm';
import {
  ChainVerifier,
  EMPTY_CHAIN,
  sealAfter,
  type ChainedEvent,
  type ChainHead,
  type LinkHasher,
  type UnsealedEvent,
} from './audit-chain.js';
import { AuditEventStore, COLUMNS, HEAD_QUERY, REKEY_BATCH, headOf, relink, rowValues } from './audit-event.store.js';
import { AuditEventEntity } from './entities/audit-event.entity.js';

// Any constant shared by every replica; names the chain in pg_locks.
export const CHAIN_LOCK_KEY = 0x5ec7e75;
// One round trip (the simple protocol runs the statements in order): the transaction opens,
// the lock is taken, and the head is read after it was granted (in READ COMMITTED each
// statement has its own snapshot, so the read sees the previous holder's commit).
const BEGIN_LOCK_AND_READ_HEAD = `BEGIN; SELECT pg_advisory_xact_lock(${CHAIN_LOCK_KEY}); ${HEAD_QUERY}`;
// One statement, so one round trip and its own transaction: under the chain lock, the batch
// ($1, rows as JSON in the table's own row type) goes in only while the event at $2 with hash
// $3 is still the newest. Its snapshot may predate the lock, so a writer that committed while
// this one waited passes the check unseen; its rows hold the ids this batch would take, and the
// primary key refuses the batch (23505). Either refusal sends the batch the locked way.
// The newest event is read as HEAD_QUERY reads it, backwards along the primary key: a check
// like `NOT EXISTS (… WHERE id > $2)` gets a sequential scan of the whole table in the generic
// plan PostgreSQL caches for a prepared statement after five runs.
export const INSERT_AFTER_HEAD = {
  name: 'audit-insert-after-head',
  text: `WITH chain_lock AS MATERIALIZED (SELECT pg_advisory_xact_lock(${CHAIN_LOCK_KEY}))
    INSERT INTO audit_events (${COLUMNS.join(', ')})
    SELECT ${COLUMNS.map((column) => `event.${column}`).join(', ')}
      FROM chain_lock, json_populate_recordset(NULL::audit_events, $1::json) AS event
     WHERE (SELECT newest.id = $2 AND newest.hash = $3 FROM (${HEAD_QUERY}) AS newest)`,
};
const UNIQUE_VIOLATION = '23505';

/**
 * PostgreSQL: a transaction-scoped advisory lock serialises appenders across replicas. A batch
 * chains to the head this process committed last and goes in with one statement that checks it
 * is still the head; when it is not (another replica or a command appended since) or at start,
 * the batch goes in three round trips: the lock with a head read, the insert, the commit. Round
 * trips are each a socket write and a server wake-up, the largest cost of a read once the rest
 * is cheap. The id primary key guards both ways: a writer that bypassed the lock fails on a
 * duplicate id.
 */
export class PostgresAuditEventStore extends AuditEventStore {
  // The tail of the last batch this process committed; undefined until one commits, and after a failure.
  private committedHead: ChainHead | undefined;

  async append(events: readonly UnsealedEvent[]): Promise<ChainedEvent[]> {
    const runner = this.dataSource.createQueryRunner();
    const client = (await runner.connect()) as PoolClient;
    try {
      const head = this.committedHead;
      this.committedHead = undefined;
      const sealed =
        (head && (await insertAfterHead(client, head, sealAfter(head, events, this.hasher)))) ||
        (await this.appendUnderLock(client, events));
      this.committedHead = sealed[sealed.length - 1];
      return sealed;
    } finally {
      await runner.release();
    }
  }

  private async appendUnderLock(client: PoolClient, events: readonly UnsealedEvent[]): Promise<ChainedEvent[]> {
    try {
      const [, , head] = (await client.query(BEGIN_LOCK_AND_READ_HEAD)) as unknown as [
        QueryResult,
        QueryResult,
        QueryResult<{ id: string; hash: string }>,
      ];
      const sealed = sealAfter(headOf(head.rows), events, this.hasher);
      const placeholders = sealed.map(
        (_event, row) => `(${COLUMNS.map((_column, column) => `$${row * COLUMNS.length + column + 1}`).join(', ')})`,
      );
      await client.query(
        `INSERT INTO audit_events (${COLUMNS.join(', ')}) VALUES ${placeholders.join(', ')}`,
        sealed.flatMap((event) => rowValues(event, event.time)),
      );
      await client.query('COMMIT');
      return sealed;
    } catch (error) {
      // Outside a transaction (BEGIN never ran) or on a broken connection this fails too; the error that counts is the first.
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    }
  }

  // One transaction holds the lock throughout: no append can chain to a half re-keyed head.
  async rekey(legacy: LinkHasher): Promise<number | undefined> {
    this.committedHead = undefined;
    return this.dataSource.transaction(async (manager) => {
      await manager.query('SELECT pg_advisory_xact_lock($1)', [CHAIN_LOCK_KEY]);
      const verifier = new ChainVerifier(legacy);
      for await (const batch of batchesOf(manager)) batch.forEach((event) => verifier.accept(event));
      if (!verifier.intact || verifier.head.id === 0) return undefined;
      let previousHash = EMPTY_CHAIN.hash;
      for await (const batch of batchesOf(manager)) {
        const relinked = relink(batch, previousHash, this.hasher);
        const rows = relinked.map((_event, row) => `($${row * 3 + 1}::bigint, $${row * 3 + 2}, $${row * 3 + 3})`);
        await manager.query(
          `UPDATE audit_events AS event SET prev_hash = linked.prev_hash, hash = linked.hash
             FROM (VALUES ${rows.join(', ')}) AS linked(id, prev_hash, hash) WHERE event.id = linked.id`,
          relinked.flatMap((event) => [event.id, event.prevHash, event.hash]),
        );
        previousHash = relinked[relinked.length - 1].hash;
      }
      return verifier.head.id;
    });
  }
}

async function* batchesOf(manager: EntityManager): AsyncGenerator<AuditEventEntity[]> {
  let afterId = 0;
  for (;;) {
    const batch = await manager
      .getRepository(AuditEventEntity)
      .createQueryBuilder('event')
      .where('event.id > :afterId', { afterId })
      .orderBy('event.id', 'ASC')
      .limit(REKEY_BATCH)
      .getMany();
    if (batch.length > 0) yield batch;
    if (batch.length < REKEY_BATCH) return;
    afterId = batch[batch.length - 1].id;
  }
}

/**
 * The batch, sealed after `head`, when it went in; undefined when `head` is no longer the newest
 * event (nothing was written). Other failures are the append's own and propagate.
 */
async function insertAfterHead(
  client: PoolClient,
  head: ChainHead,
  sealed: ChainedEvent[],
): Promise<ChainedEvent[] | undefined> {
  // JSON carries each value as the driver would bind it: a Date as ISO 8601 UTC (timestamptz), null as null.
  const rows = sealed.map((event) => {
    const values = rowValues(event, event.time);
    return Object.fromEntries(COLUMNS.map((column, index) => [column, values[index]]));
  });
  try {
    const inserted = await client.query({ ...INSERT_AFTER_HEAD, values: [JSON.stringify(rows), head.id, head.hash] });
    return inserted.rowCount === sealed.length ? sealed : undefined;
  } catch (error) {
    if ((error as DatabaseError).code === UNIQUE_VIOLATION) return undefined;
    throw error;
  }
}
