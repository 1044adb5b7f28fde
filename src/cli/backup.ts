// `npm run backup -- --out FILE`: an online backup of the SQLite database (DATABASE_URL), taken
// with SQLite's backup API while brokers keep running: a consistent copy of one moment, unlike a
// copy of the file, which can catch a write half done. PostgreSQL is backed up with pg_dump.
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import Database from 'better-sqlite3';
import { ConfigError, databaseConfig } from '../config/app-config.js';

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { out: { type: 'string' } } });
  if (!values.out) throw new ConfigError('--out FILE is required');
  const out = resolve(values.out);
  if (existsSync(out)) throw new ConfigError(`${out} exists; a backup never overwrites a file`);
  const database = databaseConfig(process.env.DATABASE_URL ?? 'sqlite:./data/broker.sqlite');
  if (database.kind !== 'sqlite') {
    throw new ConfigError('DATABASE_URL is PostgreSQL: back it up with pg_dump (see docs/operations.md)');
  }
  if (!existsSync(database.path)) throw new ConfigError(`There is no database at ${database.path}`);
  const source = new Database(database.path, { readonly: true, fileMustExist: true });
  try {
    const { totalPages } = await source.backup(out);
    process.stdout.write(`${JSON.stringify({ backup: out, pages: totalPages })}\n`);
  } finally {
    source.close();
  }
}

main().catch((error: unknown) => {
  console.error(`backup failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
