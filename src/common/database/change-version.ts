import type { DataSource, EntityManager } from 'typeorm';

// Names are spliced into SQL (placeholder syntax differs between the two databases): code literals only.
const IDENTIFIER = /^[a-z][a-z0-9_]{0,62}$/;

/**
 * What a change announces: the new version, which copy made the change (it needs no news of
 * it), and the keys it touched, by table, so that a copy one version behind can read just those.
 */
export interface VersionNotice {
  readonly version: number;
  readonly origin: string;
  readonly touched?: Readonly<Record<string, readonly string[]>>;
}

// PostgreSQL refuses payloads of 8000 bytes or more; a bigger notice goes without its keys.
const MAX_PAYLOAD_BYTES = 7_000;

/**
 * A monotonically increasing number in `cache_versions` that stands for every change to some
 * tables. Writers bump it in the transaction of the change and, on PostgreSQL, announce it on
 * `channel` (NOTIFY), which PostgreSQL delivers only at commit, so a rolled-back change notifies
 * nobody. Readers compare it with the version their in-memory copy holds.
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
  async bump(manager: EntityManager): Promise<number> {
    await manager.query(`UPDATE cache_versions SET version = version + 1 WHERE name = '${this.name}'`);
    return versionOf(await manager.query(this.selectStatement));
  }

  /** NOTIFYs `notice` inside `manager`'s transaction (PostgreSQL; SQLite has no LISTEN). */
  async announce(manager: EntityManager, notice: VersionNotice): Promise<void> {
    if (manager.connection.options.type !== 'postgres') return;
    let payload = JSON.stringify(notice);
    if (Buffer.byteLength(payload) > MAX_PAYLOAD_BYTES) {
      payload = JSON.stringify({ version: notice.version, origin: notice.origin });
    }
    await manager.query(`SELECT pg_notify('${this.channel}', $1)`, [payload]);
  }

  /** The notice in a notification's payload; undefined if it is not one. */
  static noticeOf(payload: string): VersionNotice | undefined {
    let notice: Partial<VersionNotice>;
    try {
      notice = JSON.parse(payload) as Partial<VersionNotice>;
    } catch {
      return undefined;
    }
    if (!Number.isSafeInteger(notice?.version) || typeof notice.origin !== 'string') return undefined;
    const { version, origin, touched } = notice as VersionNotice;
    return isTouched(touched) ? { version, origin, touched } : { version, origin };
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

function isTouched(value: unknown): value is Record<string, string[]> {
  return (
    typeof value === 'object' &&
    value !== null &&
    !Array.isArray(value) &&
    Object.values(value).every((keys) => Array.isArray(keys) && keys.every((key) => typeof key === 'string'))
  );
}
