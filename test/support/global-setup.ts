import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { DataSource } from 'typeorm';
import type { TestProject } from 'vitest/node';
import { MIGRATIONS } from '../../migrations/index.js';
import { compileBrokerInto } from './broker-build.js';
import { postgresBaseUrl } from './database.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** A PostgreSQL database migrated once per run, cloned by each suite (`CREATE DATABASE … TEMPLATE`). */
    postgresTemplate: string | null;
    /** A SQLite file migrated once per run, copied by each suite. */
    sqliteTemplate: string | null;
    /** main.js of the broker compiled once per run for child processes. */
    brokerBuild: string;
  }
}

/**
 * Once per test run (the e2e lane): migrates one template database and compiles the broker for
 * child processes, so each suite clones a database and starts processes instead of repeating
 * both. Undone when the run ends.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const scratch = mkdtempSync(join(tmpdir(), 'broker-test-run-'));
  const [template, brokerBuild] = await Promise.all([
    migratedTemplate(scratch),
    compileBrokerInto(join(scratch, 'build')),
  ]);
  project.provide('postgresTemplate', template.postgres);
  project.provide('sqliteTemplate', template.sqlite);
  project.provide('brokerBuild', brokerBuild);
  return async () => {
    await template.drop();
    rmSync(scratch, { recursive: true, force: true });
  };
}

interface Template {
  readonly postgres: string | null;
  readonly sqlite: string | null;
  drop(): Promise<void>;
}

async function migratedTemplate(scratch: string): Promise<Template> {
  const base = postgresBaseUrl();
  if (!base) {
    const file = join(scratch, 'template.sqlite');
    // No WAL here, so the file alone holds the schema and a plain copy clones it.
    await migrate(new DataSource({ type: 'better-sqlite3', database: file, migrations: MIGRATIONS }));
    return { postgres: null, sqlite: file, drop: async () => undefined };
  }
  const name = `broker_template_${randomBytes(6).toString('hex')}`;
  await adminQuery(base, `CREATE DATABASE ${name}`);
  const url = new URL(base);
  url.pathname = `/${name}`;
  await migrate(new DataSource({ type: 'postgres', url: url.toString(), migrations: MIGRATIONS }));
  // A template nobody may connect to: a clone fails while anyone is connected to its template.
  await adminQuery(base, `ALTER DATABASE ${name} WITH ALLOW_CONNECTIONS false`);
  return {
    postgres: name,
    sqlite: null,
    drop: () => adminQuery(base, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`),
  };
}

async function migrate(source: DataSource): Promise<void> {
  await source.initialize();
  try {
    await source.runMigrations();
  } finally {
    await source.destroy();
  }
}

async function adminQuery(url: string, statement: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(statement);
  } finally {
    await client.end();
  }
}
