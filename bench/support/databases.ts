import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';

/** A fresh database for one benchmarked broker, and a way to count what it wrote. */
export interface BenchDatabase {
  readonly kind: 'sqlite' | 'postgres';
  readonly url: string;
  count(table: string): Promise<number>;
  drop(): Promise<void>;
}

export const POSTGRES_URL = process.env.BENCH_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

export async function createBenchDatabase(kind: 'sqlite' | 'postgres'): Promise<BenchDatabase> {
  if (kind === 'sqlite') {
    const directory = mkdtempSync(join(tmpdir(), 'broker-bench-'));
    const path = join(directory, 'broker.sqlite');
    return {
      kind,
      url: `sqlite:${path}`,
      count: (table) => {
        const db = new Database(path, { readonly: true });
        try {
          return Promise.resolve((db.prepare(`SELECT COUNT(*) AS n FROM ${table}`).get() as { n: number }).n);
        } finally {
          db.close();
        }
      },
      drop: () => Promise.resolve(rmSync(directory, { recursive: true, force: true })),
    };
  }
  const name = `broker_bench_${randomBytes(5).toString('hex')}`;
  await withClient(POSTGRES_URL, (client) => client.query(`CREATE DATABASE ${name}`));
  const url = new URL(POSTGRES_URL);
  url.pathname = `/${name}`;
  return {
    kind,
    url: url.toString(),
    count: (table) =>
      withClient(url.toString(), async (client) =>
        Number((await client.query<{ n: string }>(`SELECT COUNT(*) AS n FROM ${table}`)).rows[0].n),
      ),
    drop: async () =>
      void (await withClient(POSTGRES_URL, (client) => client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`))),
  };
}

export async function withClient<T>(url: string, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}
