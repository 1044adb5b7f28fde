import { setTimeout as sleep } from 'node:timers/promises';
import type { DataSource, ObjectLiteral } from 'typeorm';

export type Row = Record<string, unknown>;

/** A SELECT, with TypeORM-style named parameters (`:name`, `:...names`) if it has any. */
export type Statement = string | { readonly sql: string; readonly parameters: ObjectLiteral };

interface SqliteConnection {
  readonly inTransaction: boolean;
  prepare(sql: string): { all(...parameters: unknown[]): unknown[] };
  transaction<T>(work: () => T): () => T;
}

const IDLE_POLL_MS = 2;
const IDLE_WAIT_LIMIT_MS = 5_000;

/**
 * Runs `statements` (SELECTs) against one consistent view of committed data. PostgreSQL: one
 * REPEATABLE READ transaction. SQLite: TypeORM shares one connection, on which another caller's
 * open transaction would show its uncommitted rows, so the reads wait until no transaction is
 * open and then run synchronously in one read transaction, with no other JavaScript in between.
 */
export async function readSnapshot(dataSource: DataSource, statements: readonly Statement[]): Promise<Row[][]> {
  const queries = statements.map((statement) =>
    typeof statement === 'string'
      ? ([statement, []] as const)
      : dataSource.driver.escapeQueryWithParameters(statement.sql, statement.parameters),
  );
  if (dataSource.options.type === 'postgres') {
    return dataSource.transaction('REPEATABLE READ', async (manager) => {
      const results: Row[][] = [];
      for (const [sql, parameters] of queries) results.push(await manager.query<Row[]>(sql, [...parameters]));
      return results;
    });
  }
  const connection = await idleSqliteConnection(dataSource);
  return connection.transaction(() =>
    queries.map(([sql, parameters]) => connection.prepare(sql).all(...parameters) as Row[]),
  )();
}

/** Entities from raw rows, converted as TypeORM converts what it reads (dates, booleans, JSON). */
export function hydrate<T extends ObjectLiteral>(
  dataSource: DataSource,
  entity: new () => T,
  rows: readonly Row[],
): T[] {
  const metadata = dataSource.getMetadata(entity);
  return rows.map((row) => {
    const hydrated = metadata.create() as T;
    for (const column of metadata.columns) {
      column.setEntityValue(hydrated, dataSource.driver.prepareHydratedValue(row[column.databaseName], column));
    }
    return hydrated;
  });
}

/**
 * Whether the transaction that just committed is durable. On SQLite a transaction begun while
 * another was open on the shared connection is only a savepoint inside it: its changes stand or
 * fall with the outer one, which is still open.
 */
export function isCommitted(dataSource: DataSource): boolean {
  if (dataSource.options.type === 'postgres') return true;
  return !sqliteConnection(dataSource).inTransaction;
}

async function idleSqliteConnection(dataSource: DataSource): Promise<SqliteConnection> {
  const connection = sqliteConnection(dataSource);
  const deadline = Date.now() + IDLE_WAIT_LIMIT_MS;
  while (connection.inTransaction) {
    if (Date.now() > deadline) throw new Error('SQLite connection stayed inside a transaction');
    await sleep(IDLE_POLL_MS);
  }
  return connection;
}

function sqliteConnection(dataSource: DataSource): SqliteConnection {
  return (dataSource.driver as unknown as { databaseConnection: SqliteConnection }).databaseConnection;
}
