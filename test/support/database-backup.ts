import { execFileSync } from 'node:child_process';
import { copyFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'vitest';
import type { TestDatabase } from './database.js';
import { runNpmScript } from './npm-script.js';

/**
 * Backs `database` up into `directory` the way docs/operations.md tells an operator to, while the
 * broker runs: `npm run backup -- --out FILE` for SQLite, `pg_dump --format=custom` for PostgreSQL.
 * Returns the backup file.
 */
export async function backUp(database: TestDatabase, directory: string): Promise<string> {
  const file = join(directory, database.kind === 'sqlite' ? 'broker-backup.sqlite' : 'broker-backup.dump');
  if (database.kind === 'sqlite') {
    const run = await runNpmScript('backup', ['--out', file], { DATABASE_URL: database.url });
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
  } else {
    execFileSync('pg_dump', ['--format=custom', `--file=${file}`, database.url]);
  }
  return file;
}

/**
 * Puts `backup` back, as docs/operations.md says, with every broker stopped: the SQLite file
 * copied over the database (its -wal and -shm files removed), or `pg_restore --clean`.
 */
export function restore(database: TestDatabase, backup: string): void {
  if (database.kind === 'sqlite') {
    const path = database.url.slice('sqlite:'.length);
    rmSync(`${path}-wal`, { force: true });
    rmSync(`${path}-shm`, { force: true });
    copyFileSync(backup, path);
  } else {
    execFileSync('pg_restore', ['--clean', '--if-exists', '--no-owner', `--dbname=${database.url}`, backup]);
  }
}
