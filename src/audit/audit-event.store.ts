import type { PoolClient, QueryResult } from 'pg';
import { Between, LessThan, LessThanOrEqual, MoreThan, type DataSource, type EntityManager } from 'typeorm';
import { AUDIT_PRUNED, prunedRangeOf, type PrunedRange } from './audit-archive.js';
import {
  ChainVerifier,
  EMPTY_CHAIN,
  sealAfter,
  type ChainedEvent,
  type ChainHead,
  type LinkHasher,
  type UnsealedEvent,
} from './audit-chain.js';
import { AuditEventEntity } from './entities/audit-event.entity.js';

/**
 * The one chain in the database: appends (atomic and in order, whichever replica writes), the
 * reads a checkpoint writer needs, and the one-time re-keying of a chain linked before keys.
 */
export abstract class AuditEventStore {
  constructor(
    protected readonly dataSource: DataSource,
    protected readonly hasher: LinkHasher,
  ) {}

  abstract append(events: readonly UnsealedEvent[]): Promise<ChainedEvent[]>;

  /**
   * Under the chain lock: when every event verifies under `legacy` (ids from 1, links, hashes),
   * relinks the whole chain under the store's hasher and returns how many events it rewrote;
   * otherwise changes nothing and returns undefined.
   */
  abstract rekey(legacy: LinkHasher): Promise<number | undefined>;

  async newest(): Promise<ChainedEvent | undefined> {
    const [event] = await this.dataSource.getRepository(AuditEventEntity).find({ order: { id: 'DESC' }, take: 1 });
    return event;
  }

  /** The hash of the event at `id`; the tail of the pruned prefix is remembered by the prune's event. */
  async hashAt(id: number): Promise<string | undefined> {
    const start = await this.chainStart();
    if (start !== undefined && id <= start.toId) return id === start.toId ? start.tailHash : undefined;
    const event = await this.dataSource
      .getRepository(AuditEventEntity)
      .findOne({ where: { id }, select: { id: true, hash: true } });
    return event?.hash;
  }

  /** Events with `afterId` < id ≤ `upToId` still in the database. */
  countBetween(afterId: number, upToId: number): Promise<number> {
    return this.dataSource.getRepository(AuditEventEntity).count({ where: { id: Between(afterId + 1, upToId) } });
  }

  /** Events up to and including `id` over the chain's whole history: archived and pruned ones too. */
  async countUpTo(id: number): Promise<number> {
    const start = await this.chainStart();
    if (start === undefined) return this.countBetween(0, id);
    return id <= start.toId
      ? Math.min(id, start.countUpTo)
      : start.countUpTo + (await this.countBetween(start.toId, id));
  }

  /**
   * Where the chain in the database starts: the newest prune (its events archived and removed),
   * or undefined while nothing was pruned. Its event is in the chain after the pruned range, so a
   * walk from the start checks it under the key.
   */
  async chainStart(): Promise<PrunedRange | undefined> {
    const rows = await this.dataSource.getRepository(AuditEventEntity).find({
      where: { action: AUDIT_PRUNED },
      select: { id: true, action: true, subject: true, time: true, details: true },
    });
    return rows
      .map(prunedRangeOf)
      .filter((range) => range !== undefined)
      .reduce<PrunedRange | undefined>(
        (newest, range) => (newest && newest.toId >= range.toId ? newest : range),
        undefined,
      );
  }

  /** The id of the newest event after `afterId` written before `time`; undefined when there is none. */
  async newestBefore(afterId: number, time: Date): Promise<number | undefined> {
    const [event] = await this.dataSource.getRepository(AuditEventEntity).find({
      where: { id: MoreThan(afterId), time: LessThan(time) },
      order: { id: 'DESC' },
      take: 1,
      select: { id: true },
    });
    return event?.id;
  }

  /** Events with `fromId` ≤ id ≤ `toId`, oldest first, read in batches. */
  async *eventsBetween(fromId: number, toId: number): AsyncGenerator<ChainedEvent> {
    for (let afterId = fromId - 1; ;) {
      const rows = await this.dataSource
        .getRepository(AuditEventEntity)
        .createQueryBuilder('event')
        .where('event.id > :afterId AND event.id <= :toId', { afterId, toId })
        .orderBy('event.id', 'ASC')
        .limit(READ_BATCH)
        .getMany();
      yield* rows;
      if (rows.length < READ_BATCH) return;
      afterId = rows[rows.length - 1].id;
    }
  }

  /**
   * Removes every event up to `toId` (a range pruned before and left behind by an interrupted
   * prune too), a batch at a time so no statement holds the table long.
   */
  async deleteUpTo(toId: number): Promise<void> {
    const [oldest] = await this.dataSource
      .getRepository(AuditEventEntity)
      .find({ order: { id: 'ASC' }, take: 1, select: { id: true } });
    for (let first = oldest?.id ?? toId + 1; first <= toId; first += DELETE_BATCH) {
      await this.dataSource
        .getRepository(AuditEventEntity)
        .delete({ id: Between(first, Math.min(first + DELETE_BATCH - 1, toId)) });
    }
  }

  /** The details of every event of `action` (the restore acknowledgments). */
  async detailsOfAction(action: string): Promise<Array<string | null>> {
    const rows = await this.dataSource
      .getRepository(AuditEventEntity)
      .find({ where: { action }, select: { id: true, details: true } });
    return rows.map((row) => row.details);
  }

  /** The id of the newest event with id ≤ `id` written at or before `time`; 0 when there is none. */
  async newestUpTo(id: number, time: Date): Promise<number> {
    const [event] = await this.dataSource.getRepository(AuditEventEntity).find({
      where: { id: LessThanOrEqual(id), time: LessThanOrEqual(time) },
      order: { id: 'DESC' },
      take: 1,
      select: { id: true },
    });
    return event?.id ?? 0;
  }
}

const COLUMNS = [
  'id',
  'time',
  'request_id',
  'subject',
  'action',
  'outcome',
  'namespace',
  'name',
  'version',
  'matched_grants',
  'reason',
  'source_ip',
  'user_agent',
  'latency_ms',
  'intent_id',
  'details',
  'prev_hash',
  'hash',
] as const;
const HEAD_QUERY = 'SELECT id, hash FROM audit_events ORDER BY id DESC LIMIT 1';
// Any constant shared by every replica; names the chain in pg_locks.
const CHAIN_LOCK_KEY = 0x5ec7e75;
// One round trip (the simple protocol runs the statements in order): the transaction opens,
// the lock is taken, and the head is read after it was granted (in READ COMMITTED each
// statement has its own snapshot, so the read sees the previous holder's commit).
const BEGIN_LOCK_AND_READ_HEAD = `BEGIN; SELECT pg_advisory_xact_lock(${CHAIN_LOCK_KEY}); ${HEAD_QUERY}`;
// Rows read and rewritten at a time while re-keying: bounded memory and statement size.
const REKEY_BATCH = 500;
const READ_BATCH = 1_000;
const DELETE_BATCH = 10_000;

function rowValues(event: ChainedEvent, time: string | Date): unknown[] {
  return [
    event.id,
    time,
    event.requestId,
    event.subject,
    event.action,
    event.outcome,
    event.namespace,
    event.name,
    event.version,
    event.matchedGrants,
    event.reason,
    event.sourceIp,
    event.userAgent,
    event.latencyMs,
    event.intentId,
    event.details,
    event.prevHash,
    event.hash,
  ];
}

function headOf(rows: ReadonlyArray<{ id: string | number; hash: string }>): ChainHead {
  return rows.length === 0 ? EMPTY_CHAIN : { id: Number(rows[0].id), hash: rows[0].hash };
}

/** The same events linked anew from `previousHash`, keeping their ids (which re-keying checked are consecutive). */
function relink(events: readonly ChainedEvent[], previousHash: string, hasher: LinkHasher): ChainedEvent[] {
  return sealAfter({ id: events[0].id - 1, hash: previousHash }, events, hasher);
}

/**
 * PostgreSQL: a transaction-scoped advisory lock serialises appenders across replicas; under it,
 * one head read and one multi-row insert, in three round trips on the pool's client (each a
 * socket write and a server wake-up, the largest cost of a read once the rest is cheap). The id
 * primary key is a second guard: a writer that bypassed the lock fails on a duplicate id.
 */
export class PostgresAuditEventStore extends AuditEventStore {
  async append(events: readonly UnsealedEvent[]): Promise<ChainedEvent[]> {
    const runner = this.dataSource.createQueryRunner();
    const client = (await runner.connect()) as PoolClient;
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
    } finally {
      await runner.release();
    }
  }

  // One transaction holds the lock throughout: no append can chain to a half re-keyed head.
  async rekey(legacy: LinkHasher): Promise<number | undefined> {
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

interface SqliteStatement {
  all(...parameters: unknown[]): unknown[];
  run(...parameters: unknown[]): unknown;
}
interface SqliteConnection {
  readonly inTransaction: boolean;
  prepare(sql: string): SqliteStatement;
  transaction<A extends unknown[], T>(work: (...args: A) => T): { immediate(...args: A): T };
}

const IDLE_POLL_MS = 2;
const IDLE_WAIT_LIMIT_MS = 5_000;

/**
 * SQLite: TypeORM shares one better-sqlite3 connection, whose async transactions would interleave
 * (a second `transaction()` becomes a savepoint inside the first). So the append runs as one
 * synchronous BEGIN IMMEDIATE transaction on the raw connection: no other JavaScript can run in
 * between, and the IMMEDIATE lock also serialises other processes on the same file. It waits
 * until no TypeORM transaction is open on the connection, because joining one would let its
 * rollback erase an audit event that the next event already chains to.
 */
export class SqliteAuditEventStore extends AuditEventStore {
  // Prepared once per connection: preparing is most of an append's cost on SQLite.
  private appendOn:
    { connection: SqliteConnection; write: (events: readonly UnsealedEvent[]) => ChainedEvent[] } | undefined;

  async append(events: readonly UnsealedEvent[]): Promise<ChainedEvent[]> {
    const connection = await this.idleConnection();
    if (this.appendOn?.connection !== connection) {
      const head = connection.prepare(HEAD_QUERY);
      const insert = connection.prepare(
        `INSERT INTO audit_events (${COLUMNS.join(', ')}) VALUES (${COLUMNS.map(() => '?').join(', ')})`,
      );
      const transaction = connection.transaction((batch: readonly UnsealedEvent[]) => {
        const sealed = sealAfter(headOf(head.all() as Array<{ id: number; hash: string }>), batch, this.hasher);
        for (const event of sealed) insert.run(...rowValues(event, sqliteDatetime(event.time)));
        return sealed;
      });
      this.appendOn = { connection, write: (batch) => transaction.immediate(batch) };
    }
    return this.appendOn.write(events);
  }

  // Synchronous like the append, for the same reason; it runs once, at start.
  async rekey(legacy: LinkHasher): Promise<number | undefined> {
    const connection = await this.idleConnection();
    const select = connection.prepare(
      `SELECT ${COLUMNS.join(', ')} FROM audit_events WHERE id > ? ORDER BY id LIMIT ${REKEY_BATCH}`,
    );
    const batches = function* (): Generator<ChainedEvent[]> {
      for (let afterId = 0; ;) {
        const batch = (select.all(afterId) as SqliteRow[]).map(fromSqliteRow);
        if (batch.length > 0) yield batch;
        if (batch.length < REKEY_BATCH) return;
        afterId = batch[batch.length - 1].id;
      }
    };
    const rewrite = connection.transaction(() => {
      const verifier = new ChainVerifier(legacy);
      for (const batch of batches()) batch.forEach((event) => verifier.accept(event));
      if (!verifier.intact || verifier.head.id === 0) return undefined;
      const update = connection.prepare('UPDATE audit_events SET prev_hash = ?, hash = ? WHERE id = ?');
      let previousHash = EMPTY_CHAIN.hash;
      for (const batch of batches()) {
        const relinked = relink(batch, previousHash, this.hasher);
        for (const event of relinked) update.run(event.prevHash, event.hash, event.id);
        previousHash = relinked[relinked.length - 1].hash;
      }
      return verifier.head.id;
    });
    return rewrite.immediate();
  }

  private async idleConnection(): Promise<SqliteConnection> {
    const connection = (this.dataSource.driver as unknown as { databaseConnection: SqliteConnection })
      .databaseConnection;
    const deadline = Date.now() + IDLE_WAIT_LIMIT_MS;
    while (connection.inTransaction) {
      if (Date.now() > deadline) throw new Error('SQLite connection stayed inside a transaction');
      await new Promise((resolve) => setTimeout(resolve, IDLE_POLL_MS));
    }
    return connection;
  }
}

type SqliteRow = Record<(typeof COLUMNS)[number], string | number | null>;

/** A raw row as TypeORM would hydrate it: the datetime text is UTC with milliseconds. */
function fromSqliteRow(row: SqliteRow): ChainedEvent {
  const text = (value: string | number | null) => (value === null ? null : String(value));
  const number = (value: string | number | null) => (value === null ? null : Number(value));
  return {
    id: Number(row.id),
    time: new Date(`${String(row.time).replace(' ', 'T')}Z`),
    requestId: String(row.request_id),
    subject: String(row.subject),
    action: String(row.action),
    outcome: String(row.outcome),
    namespace: text(row.namespace),
    name: text(row.name),
    version: number(row.version),
    matchedGrants: String(row.matched_grants),
    reason: text(row.reason),
    sourceIp: text(row.source_ip),
    userAgent: text(row.user_agent),
    latencyMs: number(row.latency_ms),
    intentId: number(row.intent_id),
    details: text(row.details),
    prevHash: String(row.prev_hash),
    hash: String(row.hash),
  };
}

/** The text TypeORM writes and reads back for a SQLite datetime column (UTC, milliseconds). */
function sqliteDatetime(time: Date): string {
  return time.toISOString().replace('T', ' ').slice(0, 23);
}
