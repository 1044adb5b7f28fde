import type { DataSource } from 'typeorm';
import { EMPTY_CHAIN, sealAfter, type ChainedEvent, type ChainHead, type UnsealedEvent } from './audit-chain.js';

/** Appends events to the one chain, atomically and in order, whichever replica writes. */
export abstract class AuditEventStore {
  abstract append(events: readonly UnsealedEvent[]): Promise<ChainedEvent[]>;
}

const COLUMNS = [
  'id', 'time', 'request_id', 'subject', 'action', 'outcome', 'namespace', 'name', 'version',
  'matched_grants', 'reason', 'source_ip', 'user_agent', 'latency_ms', 'intent_id', 'details',
  'prev_hash', 'hash',
] as const;
const HEAD_QUERY = 'SELECT id, hash FROM audit_events ORDER BY id DESC LIMIT 1';
// Any constant shared by every replica; names the chain in pg_locks.
const CHAIN_LOCK_KEY = 0x5ec7e75;

function rowValues(event: ChainedEvent, time: string | Date): unknown[] {
  return [
    event.id, time, event.requestId, event.subject, event.action, event.outcome, event.namespace,
    event.name, event.version, event.matchedGrants, event.reason, event.sourceIp, event.userAgent,
    event.latencyMs, event.intentId, event.details, event.prevHash, event.hash,
  ];
}

function headOf(rows: ReadonlyArray<{ id: string | number; hash: string }>): ChainHead {
  return rows.length === 0 ? EMPTY_CHAIN : { id: Number(rows[0].id), hash: rows[0].hash };
}

/**
 * PostgreSQL: a transaction-scoped advisory lock serialises appenders across replicas; under it,
 * one head read and one multi-row insert. READ COMMITTED sees the previous holder's commit
 * because it committed before releasing the lock. The id primary key is a second guard: a
 * writer that bypassed the lock would fail on a duplicate id rather than fork the chain.
 */
export class PostgresAuditEventStore extends AuditEventStore {
  constructor(private readonly dataSource: DataSource) {
    super();
  }

  async append(events: readonly UnsealedEvent[]): Promise<ChainedEvent[]> {
    return this.dataSource.transaction(async (manager) => {
      await manager.query('SELECT pg_advisory_xact_lock($1)', [CHAIN_LOCK_KEY]);
      const sealed = sealAfter(headOf(await manager.query(HEAD_QUERY)), events);
      const placeholders = sealed.map(
        (_event, row) => `(${COLUMNS.map((_column, column) => `$${row * COLUMNS.length + column + 1}`).join(', ')})`,
      );
      await manager.query(
        `INSERT INTO audit_events (${COLUMNS.join(', ')}) VALUES ${placeholders.join(', ')}`,
        sealed.flatMap((event) => rowValues(event, event.time)),
      );
      return sealed;
    });
  }
}

interface SqliteStatement {
  all(...parameters: unknown[]): unknown[];
  run(...parameters: unknown[]): unknown;
}
interface SqliteConnection {
  readonly inTransaction: boolean;
  prepare(sql: string): SqliteStatement;
  transaction<T>(work: () => T): { immediate(): T };
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
  constructor(private readonly dataSource: DataSource) {
    super();
  }

  async append(events: readonly UnsealedEvent[]): Promise<ChainedEvent[]> {
    const connection = await this.idleConnection();
    const write = connection.transaction(() => {
      const head = headOf(connection.prepare(HEAD_QUERY).all() as Array<{ id: number; hash: string }>);
      const sealed = sealAfter(head, events);
      const insert = connection.prepare(
        `INSERT INTO audit_events (${COLUMNS.join(', ')}) VALUES (${COLUMNS.map(() => '?').join(', ')})`,
      );
      for (const event of sealed) insert.run(...rowValues(event, sqliteDatetime(event.time)));
      return sealed;
    });
    return write.immediate();
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

/** The text TypeORM writes and reads back for a SQLite datetime column (UTC, milliseconds). */
function sqliteDatetime(time: Date): string {
  return time.toISOString().replace('T', ' ').slice(0, 23);
}
