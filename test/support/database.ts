import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';

export interface TestDatabase {
  /** A DATABASE_URL for the broker. */
  readonly url: string;
  readonly kind: 'postgres' | 'sqlite';
  drop(): Promise<void>;
}

/** The PostgreSQL server the suite runs against, or undefined for SQLite. */
export function postgresBaseUrl(): string | undefined {
  const url = process.env.TEST_DATABASE_URL ?? process.env.DATABASE_URL;
  return url?.startsWith('postgres') ? url : undefined;
}

/** A fresh, empty database per suite: its own PostgreSQL database, or a new SQLite file. */
export async function createTestDatabase(): Promise<TestDatabase> {
  const base = postgresBaseUrl();
  if (!base) {
    const directory = mkdtempSync(join(tmpdir(), 'secrets-broker-test-'));
    return {
      url: `sqlite:${join(directory, 'broker.sqlite')}`,
      kind: 'sqlite',
      drop: async () => rmSync(directory, { recursive: true, force: true }),
    };
  }
  const name = `broker_test_${randomBytes(6).toString('hex')}`;
  await withClient(base, (client) => client.query(`CREATE DATABASE ${name}`));
  const url = new URL(base);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    kind: 'postgres',
    drop: async () => {
      await withClient(base, (client) => client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
    },
  };
}

async function withClient<T>(url: string, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}
