import { Inject, Injectable, OnModuleInit } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { Logger } from 'pino';
import { DataSource } from 'typeorm';
import { randomUUID } from 'node:crypto';
import { ChangeVersion, versionOf, type VersionNotice } from '../common/database/change-version.js';
import { hydrate, readSnapshot } from '../common/database/snapshot.js';
import { ROOT_LOGGER } from '../common/logging/logger.js';
import type { EffectiveGrant } from './decision.js';
import { GrantEntity } from './entities/grant.entity.js';
import { RoleEntity } from './entities/role.entity.js';
import { changesFrom, GrantIndex, type GrantChange, type TouchedKeys } from './grant-index.js';

/** The version of grants and roles together, and the channel its bumps are announced on. */
export const GRANTS_AND_ROLES = new ChangeVersion('grants_and_roles', 'broker_grants_and_roles');

const NOT_LOADED = -1;

/** Changes applied while a reload was under way: they are applied again to what it loaded. */
interface AppliedChanges {
  readonly changes: readonly GrantChange[];
  readonly version: number | undefined;
}

/**
 * All grants and roles in memory: decisions read them here, never from the database. The copy
 * is loaded at start; this replica's own changes are applied as they commit (GrantChanges);
 * another replica's change is read again by key when its notice arrives, and the whole copy is
 * reloaded whenever it may have missed one (a version gap, a lost notice found by the periodic
 * version check).
 *
 * `version` is the version every change up to which the copy holds: a reload takes it from the
 * same snapshot as the rows, and an applied change advances it only when it is the next one.
 */
@Injectable()
export class GrantCache implements OnModuleInit {
  /** Names this copy in the notices of the changes it makes. */
  readonly origin = randomUUID();
  private index = new GrantIndex();
  private version = NOT_LOADED;
  private reloading: Promise<void> | undefined;
  private reloadRequested = false;
  private appliedDuringReload: AppliedChanges[] | undefined;
  /** This replica's changes between their transaction's start and their apply. */
  private writesInFlight = 0;
  /** Counts every change to the copy, so a read can tell whether the copy moved under it. */
  private generation = 0;
  private following: Promise<void> = Promise.resolve();
  private readonly logger: Logger;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(ROOT_LOGGER) rootLogger: Logger,
  ) {
    this.logger = rootLogger.child({ component: 'grant-cache' });
  }

  onModuleInit(): Promise<void> {
    return this.reload();
  }

  get loadedVersion(): number {
    return this.version;
  }

  get size(): { readonly grants: number; readonly roles: number } {
    return this.index.size;
  }

  /** Every grant of `subjects`, expired ones included (the decision checks expiry against its own clock). */
  grantsOf(subjects: Iterable<string>): EffectiveGrant[] {
    return this.index.grantsOf(subjects);
  }

  allGrants(): EffectiveGrant[] {
    return this.index.allGrants();
  }

  roleOf(roleName: string): RoleEntity | undefined {
    return this.index.roleOf(roleName);
  }

  roles(): RoleEntity[] {
    return this.index.roles();
  }

  /** A change of this replica's is under way, until `endWrite` (after its `apply`, if it committed). */
  beginWrite(): void {
    this.writesInFlight++;
  }

  endWrite(): void {
    this.writesInFlight--;
  }

  /**
   * Applies changes this replica committed as `version` (undefined: committed inside a
   * transaction that is still open, so not yet durable). A change the copy already holds is
   * skipped; one that is not the next version also reloads, to pick up the ones in between.
   */
  apply(changes: readonly GrantChange[], version: number | undefined): void {
    this.appliedDuringReload?.push({ changes, version });
    if (version !== undefined && version <= this.version) return;
    for (const change of changes) this.index.apply(change);
    this.generation++;
    if (version === this.version + 1) this.version = version;
    else this.reloadInBackground();
  }

  /**
   * Another replica announced a change. Notices are followed one at a time, in order: the next
   * version is caught up on by reading again just the keys it touched; anything else (a gap, a
   * notice without keys, a reload under way) reloads. This copy's own changes are applied as
   * they commit, and versions already held need nothing.
   */
  notified(notice: VersionNotice | undefined): void {
    if (notice?.origin === this.origin || (notice !== undefined && notice.version <= this.version)) return;
    this.following = this.following
      .then(() => this.follow(notice))
      .catch((error: unknown) => {
        this.logger.error({ err: error }, 'could not follow a change of grants and roles; deciding from the copy held');
      });
  }

  /**
   * The backstop against lost notifications: any difference from the database's version
   * reloads. Skipped while this replica's own change is between commit and apply (the next
   * check comes soon enough).
   */
  async check(): Promise<void> {
    const current = await GRANTS_AND_ROLES.read(this.dataSource);
    if (current !== this.version && this.writesInFlight === 0) await this.reload();
  }

  /** Loads a fresh copy; calls during a reload ask for one more after it, and wait for that. */
  reload(): Promise<void> {
    if (this.reloading) {
      this.reloadRequested = true;
      return this.reloading;
    }
    this.reloading = this.reloadUntilCurrent().finally(() => {
      this.reloading = undefined;
    });
    return this.reloading;
  }

  private async follow(notice: VersionNotice | undefined): Promise<void> {
    if (notice !== undefined && notice.version <= this.version) return;
    const touched = touchedKeysOf(notice);
    if (notice === undefined || touched === undefined || notice.version !== this.version + 1 || this.reloading) {
      return this.reload();
    }
    const generation = this.generation;
    // '' is no key: it keeps each IN list non-empty.
    const [versionRows, roleRows, grantRows] = await readSnapshot(this.dataSource, [
      GRANTS_AND_ROLES.selectStatement,
      { sql: 'SELECT * FROM roles WHERE name IN (:...names)', parameters: { names: ['', ...touched.roles] } },
      { sql: 'SELECT * FROM grants WHERE id IN (:...ids)', parameters: { ids: ['', ...touched.grants] } },
    ]);
    if (generation !== this.generation) {
      // The copy changed meanwhile (its own change, a reload): rows read before that might undo it.
      return this.version >= notice.version ? undefined : this.reload();
    }
    if (versionOf(versionRows) < notice.version) return this.reload();
    const changes = changesFrom(
      touched,
      hydrate(this.dataSource, GrantEntity, grantRows),
      hydrate(this.dataSource, RoleEntity, roleRows),
    );
    for (const change of changes) this.index.apply(change);
    this.version = notice.version;
    this.generation++;
  }

  private reloadInBackground(): void {
    this.reload().catch((error: unknown) => {
      this.logger.error({ err: error }, 'could not reload grants and roles; deciding from the copy held');
    });
  }

  private async reloadUntilCurrent(): Promise<void> {
    do {
      this.reloadRequested = false;
      await this.loadOnce();
    } while (this.reloadRequested);
  }

  private async loadOnce(): Promise<void> {
    const applied: AppliedChanges[] = [];
    this.appliedDuringReload = applied;
    try {
      const [versionRows, roleRows, grantRows] = await readSnapshot(this.dataSource, [
        GRANTS_AND_ROLES.selectStatement,
        'SELECT * FROM roles',
        'SELECT * FROM grants',
      ]);
      const index = new GrantIndex(
        hydrate(this.dataSource, RoleEntity, roleRows),
        hydrate(this.dataSource, GrantEntity, grantRows),
      );
      let version = versionOf(versionRows);
      for (const later of applied.filter((entry) => entry.version === undefined || entry.version > version)) {
        for (const change of later.changes) index.apply(change);
        if (later.version === version + 1) version = later.version;
      }
      this.index = index;
      this.version = version;
      this.generation++;
      this.logger.debug({ version, ...index.size }, 'grants and roles loaded');
    } finally {
      this.appliedDuringReload = undefined;
    }
  }
}

/** The keys a notice says it touched, if it names grants and roles and nothing else. */
function touchedKeysOf(notice: VersionNotice | undefined): TouchedKeys | undefined {
  const touched = notice?.touched;
  if (touched === undefined || !Object.keys(touched).every((table) => table === 'grants' || table === 'roles')) {
    return undefined;
  }
  return { grants: touched.grants ?? [], roles: touched.roles ?? [] };
}
