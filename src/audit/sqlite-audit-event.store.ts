import {
  ChainVerifier,
  EMPTY_CHAIN,
  sealAfter,
  type ChainedEvent,
  type LinkHasher,
  type UnsealedEvent,
} from './audit-chain.js';
import { AuditEventStore, COLUMNS, HEAD_QUERY, REKEY_BATCH, headOf, relink, rowValues } from './audit-event.store.js';

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
