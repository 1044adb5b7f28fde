import { randomBytes } from 'node:crypto';
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { inject } from 'vitest';

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

/**
 * A database of the suite's own: its own PostgreSQL database, or a new SQLite file. Where the
 * run's global setup migrated a template (test/support/global-setup.ts), it is a clone of that,
 * already migrated; otherwise it is empty and the broker migrates it on start.
 */
export async function createTestDatabase(): Promise<TestDatabase> {
  const base = postgresBaseUrl();
  if (!base) {
    const directory = mkdtempSync(join(tmpdir(), 'secrets-broker-test-'));
    const file = join(directory, 'broker.sqlite');
    const template = inject('sqliteTemplate');
    if (template) copyFileSync(template, file);
    return {
      url: `sqlite:${file}`,
      kind: 'sqlite',
      drop: async () => rmSync(directory, { recursive: true, force: true }),
    };
  }
  const name = `broker_test_${randomBytes(6).toString('hex')}`;
  const template = inject('postgresTemplate');
  await withClient(base, async (client) => {
    await client.query(`CREATE DATABASE ${name}${template ? ` TEMPLATE ${template}` : ''}`);
    // A test database is thrown away: its commits need not wait for the WAL flush.
    await client.query(`ALTER DATABASE ${name} SET synchronous_commit = off`);
  });
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
