import Database from 'better-sqlite3';
import pg from 'pg';
import { databaseConfig } from '../../src/config/app-config.js';

/** Rows of one query run directly against a broker's database (PostgreSQL or SQLite), outside the broker. */
export async function querySql<T>(databaseUrl: string, sql: string): Promise<T[]> {
  const config = databaseConfig(databaseUrl);
  if (config.kind === 'sqlite') {
    const database = new Database(config.path, { readonly: true });
    try {
      return database.prepare(sql).all() as T[];
    } finally {
      database.close();
    }
  }
  const client = new pg.Client({ connectionString: config.url });
  await client.connect();
  try {
    return (await client.query(sql)).rows as T[];
  } finally {
    await client.end();
  }
}
