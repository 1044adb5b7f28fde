import type { DataSource, EntityManager } from 'typeorm';

// Names are spliced into SQL (placeholder syntax differs between the two databases): code literals only.
const IDENTIFIER = /^[a-z][a-z0-9_]{0,62}$/;

/** What a bump announces: the new version, and which copy made the change (it needs no news of it). */
export interface VersionNotice {
  readonly version: number;
  readonly origin: string;
}

/**
 * A monotonically increasing number in `cache_versions` that stands for every change to some
 * tables. Writers bump it in the transaction of the change; on PostgreSQL the bump also NOTIFYs
 * `channel` with a VersionNotice, which PostgreSQL delivers only at commit, so a rolled-back
 * change notifies nobody. Readers compare it with the version their in-memory copy holds.
 */
export class ChangeVersion {
  constructor(
    readonly name: string,
    readonly channel: string,
  ) {
    if (!IDENTIFIER.test(name) || !IDENTIFIER.test(channel)) throw new Error(`invalid change version ${name}`);
  }

  /** The statement reading the version (for a snapshot read alongside the data it versions). */
  get selectStatement(): string {
    return `SELECT version FROM cache_versions WHERE name = '${this.name}'`;
  }

  /**
   * Bumps the version inside `manager`'s transaction and returns the new number. Bump first in
   * the transaction: on PostgreSQL the row lock then orders concurrent writers, so versions
   * commit in order; on SQLite any uncommitted row a reader could see comes with its bump.
   */
  async bump(manager: EntityManager, origin: string): Promise<number> {
    await manager.query(`UPDATE cache_versions SET version = version + 1 WHERE name = '${this.name}'`);
    const version = versionOf(await manager.query(this.selectStatement));
    if (manager.connection.options.type === 'postgres') {
      const notice: VersionNotice = { version, origin };
      await manager.query(`SELECT pg_notify('${this.channel}', $1)`, [JSON.stringify(notice)]);
    }
    return version;
  }

  /** The notice in a notification's payload; undefined if it is not one. */
  static noticeOf(payload: string): VersionNotice | undefined {
    try {
      const notice = JSON.parse(payload) as Partial<VersionNotice>;
      return Number.isSafeInteger(notice.version) && typeof notice.origin === 'string'
        ? { version: notice.version as number, origin: notice.origin }
        : undefined;
    } catch {
      return undefined;
    }
  }

  async read(dataSource: DataSource): Promise<number> {
    return versionOf(await dataSource.query(this.selectStatement));
  }
}

/** The version from the rows of `selectStatement` (PostgreSQL returns a bigint as text). */
export function versionOf(rows: unknown): number {
  const [row] = rows as Array<{ version: number | string }>;
  if (row === undefined) throw new Error('cache_versions has no row for this cache (migrations not run?)');
  return Number(row.version);
}
