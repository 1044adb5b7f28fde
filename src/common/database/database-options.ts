import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { DataSourceOptions, MixedList } from 'typeorm';
import type { DatabaseConfig } from '../../config/app-config.js';
import { MIGRATIONS } from '../../../migrations/index.js';

/**
 * TypeORM options for either database. The schema only ever changes through migrations. The
 * entities come from the composition root (src/entities.ts), so this plumbing knows no domain.
 */
export function databaseOptions(
  database: DatabaseConfig,
  entities: MixedList<string | (new () => unknown)>,
): DataSourceOptions {
  const common = {
    entities,
    migrations: MIGRATIONS,
    migrationsRun: true,
    synchronize: false,
    logging: false,
  } as const;
  if (database.kind === 'postgres') {
    return { ...common, type: 'postgres', url: database.url, extra: { max: 10 } };
  }
  if (database.path !== ':memory:') mkdirSync(dirname(database.path), { recursive: true });
  return {
    ...common,
    type: 'better-sqlite3',
    database: database.path,
    // WAL lets readers proceed during a write; busy_timeout waits for another connection's lock.
    prepareDatabase: (db: { pragma(statement: string): unknown }) => {
      db.pragma('journal_mode = WAL');
      db.pragma('busy_timeout = 5000');
      db.pragma('foreign_keys = ON');
    },
  };
}
