import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource, InjectRepository } from '@nestjs/typeorm';
import { randomUUID } from 'node:crypto';
import { DataSource, In, IsNull, MoreThan, Not, QueryFailedError, Repository } from 'typeorm';
import { DomainError, ErrorCode } from '../common/errors/domain-error.js';
import {
  LifecycleEvents,
  type LifecycleEventInput,
  type LifecycleEventType,
} from '../lifecycle-events/lifecycle-events.js';
import type { AppConfig } from '../config/app-config.js';
import { APP_CONFIG } from '../config/config.module.js';
import { Clock } from '../common/time/clock.js';
import { EnvelopeCipher } from '../crypto/envelope-cipher.js';
import { SecretRecordEntity } from './entities/secret-record.entity.js';
import { FINGERPRINT_SCHEME, SecretVersionEntity, type VersionReason } from './entities/secret-version.entity.js';
import { withoutPreviousKeys } from './previous-keys.js';
import type { RotationPolicy } from './rotation-policy.js';

/** What a promotion changes on the record besides the version pointer. */
export interface PromotionChanges {
  readonly type?: string;
  readonly policy?: RotationPolicy | null;
  readonly nextRotationAt?: Date | null;
  /** A two-phase rotation: when the previous values are to leave the cluster. */
  readonly graceEndsAt?: Date | null;
}

export interface NewVersion {
  readonly values: Readonly<Record<string, Buffer>>;
  readonly reason: VersionReason;
  readonly createdBy: string;
  readonly note?: string;
  readonly sourceVersion?: number;
  /** The version the cluster object carries: the new number goes above it too, so none repeats after a restore. */
  readonly clusterVersion?: number | null;
}

/**
 * Persistence of secret records and their versions. Values are sealed before they are stored
 * and a pending version exists before the cluster is touched.
 */
@Injectable()
export class SecretVersionStore {
  constructor(
    @InjectRepository(SecretRecordEntity) private readonly records: Repository<SecretRecordEntity>,
    @InjectRepository(SecretVersionEntity) private readonly versions: Repository<SecretVersionEntity>,
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly cipher: EnvelopeCipher,
    private readonly events: LifecycleEvents,
    @Inject(APP_CONFIG) private readonly config: Pick<AppConfig, 'retainedVersions'>,
    private readonly clock: Clock,
  ) {}

  // Per-secret chain of promotions in this process (SQLite has one connection; TypeORM would
  // nest concurrent transactions on it as savepoints).
  private readonly promotions = new Map<string, Promise<unknown>>();

  private serialized<T>(key: string, work: () => Promise<T>): Promise<T> {
    const previous = this.promotions.get(key) ?? Promise.resolve();
    const next = previous.then(work, work);
    const settled = next.then(
      () => undefined,
      () => undefined,
    );
    this.promotions.set(key, settled);
    void settled.then(() => {
      if (this.promotions.get(key) === settled) this.promotions.delete(key);
    });
    return next;
  }

  findRecord(namespace: string, name: string): Promise<SecretRecordEntity | null> {
    return this.records.findOneBy({ namespace, name });
  }

  /** The records of many secrets of one namespace in one query (for listings). */
  async findRecords(namespace: string, names: readonly string[]): Promise<Map<string, SecretRecordEntity>> {
    if (names.length === 0) return new Map();
    const records = await this.records.findBy({ namespace, name: In([...names]) });
    return new Map(records.map((record) => [record.name, record]));
  }

  /**
   * The record a write attaches its versions to, created if needed. A revoked record is reused
   * as it is: only a successful write (promote) makes it active again, so a failed create keeps
   * the revoke on record.
   */
  async ensureRecord(
    namespace: string,
    name: string,
    type: string,
    policy: RotationPolicy | null,
  ): Promise<SecretRecordEntity> {
    const existing = await this.findRecord(namespace, name);
    if (existing) return existing;
    try {
      await this.records.insert({
        id: randomUUID(),
        namespace,
        name,
        state: 'active',
        type,
        currentVersion: null,
        rotationPolicy: policy,
      });
    } catch (error) {
      if (!isUniqueViolation(error)) throw error;
      // Another writer created it first; carry on with theirs.
    }
    return this.records.findOneByOrFail({ namespace, name });
  }

  /** Stores a sealed pending version; a concurrent writer that took the number gets CONFLICT. */
  async addPending(record: SecretRecordEntity, next: NewVersion): Promise<SecretVersionEntity> {
    const highest = await this.versions.maximum('version', { secretId: record.id });
    const version = Math.max(highest ?? 0, next.clusterVersion ?? 0) + 1;
    const sealed = this.cipher.seal(next.values, sealContext(record, version));
    const entity = this.versions.create({
      id: randomUUID(),
      secretId: record.id,
      version,
      state: 'pending',
      reason: next.reason,
      sourceVersion: next.sourceVersion ?? null,
      createdBy: next.createdBy,
      // The clock's time, not the database's: grace periods and the reconciler count from it.
      createdAt: new Date(this.clock.now()),
      note: next.note ?? null,
      fingerprints: this.cipher.fingerprint(next.values, record),
      fingerprintScheme: FINGERPRINT_SCHEME,
      kekId: sealed.kekId,
      wrappedDataKey: sealed.wrappedDataKey,
      ciphertext: sealed.ciphertext,
    });
    try {
      await this.versions.insert(entity);
    } catch (error) {
      // A taken version number, or a record that a failed concurrent create just removed.
      if (isConstraintViolation(error)) {
        throw new DomainError(
          ErrorCode.Conflict,
          `Secret ${record.namespace}/${record.name} is being changed by another request; retry`,
        );
      }
      throw error;
    }
    return entity;
  }

  /**
   * The cluster refused the write: the pending version never became real. A record that was
   * created for it and never written (no version left, none current) goes too, so a failed create
   * leaves nothing behind — not even its rotation policy.
   */
  async discard(pending: SecretVersionEntity): Promise<void> {
    await this.dataSource.transaction(async (manager) => {
      await manager.getRepository(SecretVersionEntity).delete({ id: pending.id, state: 'pending' });
      await manager
        .createQueryBuilder()
        .delete()
        .from(SecretRecordEntity)
        .where('id = :id AND state = :active AND current_version IS NULL', { id: pending.secretId, active: 'active' })
        .andWhere('NOT EXISTS (SELECT 1 FROM secret_versions WHERE secret_versions.secret_id = :id)', {
          id: pending.secretId,
        })
        .execute();
    });
  }

  /**
   * The cluster accepted `pending`. States are recomputed from all live versions, so promotions
   * that finish out of order still agree: the highest version the cluster accepted is current
   * (cluster writes happen in version order, each against the resourceVersion read before its
   * number was taken), the next is previous, the rest deprecated; only the newest N non-current
   * versions keep their sealed values. Serialised per secret: in-process, and with a row lock
   * on PostgreSQL for other replicas.
   */
  promote(record: SecretRecordEntity, pending: SecretVersionEntity, changes: PromotionChanges = {}): Promise<void> {
    return this.serialized(record.id, () =>
      this.dataSource.transaction(async (manager) => {
        const records = manager.getRepository(SecretRecordEntity);
        const versions = manager.getRepository(SecretVersionEntity);
        if (manager.connection.options.type === 'postgres') {
          await records.findOne({ where: { id: record.id }, lock: { mode: 'pessimistic_write' } });
        }
        const accepted = await versions.update({ id: pending.id, state: 'pending' }, { state: 'previous' });
        if (accepted.affected !== 1) {
          throw new DomainError(
            ErrorCode.Conflict,
            `Version ${pending.version} of ${record.namespace}/${record.name} was settled by reconciliation`,
          );
        }
        const live = await versions.find({
          select: { id: true, version: true },
          where: { secretId: record.id, state: Not('pending') },
          order: { version: 'DESC' },
        });
        const [current, previous] = live;
        await versions.update(
          { secretId: record.id, state: Not('pending'), id: Not(In([current.id, previous?.id ?? current.id])) },
          { state: 'deprecated' },
        );
        if (previous) await versions.update({ id: previous.id }, { state: 'previous' });
        await versions.update({ id: current.id }, { state: 'current' });
        const retained = live.slice(1, 1 + this.config.retainedVersions).map((row) => row.id);
        await versions.update(
          { secretId: record.id, state: Not('pending'), id: Not(In([current.id, ...retained])) },
          { kekId: null, wrappedDataKey: null, ciphertext: null },
        );
        const event = eventOf(record, pending);
        if (event) await this.events.enqueue(manager, [event]);
        await records.update(
          { id: record.id },
          {
            currentVersion: current.version,
            state: 'active',
            revokedAt: null,
            revokedBy: null,
            revokeReason: null,
            // The broker wrote the object: whatever drift was seen is gone.
            driftedAt: null,
            driftedKeys: null,
            ...(changes.type ? { type: changes.type } : {}),
            ...(changes.policy !== undefined ? { rotationPolicy: changes.policy } : {}),
            ...(changes.nextRotationAt !== undefined ? { nextRotationAt: changes.nextRotationAt } : {}),
            ...(changes.graceEndsAt !== undefined ? { graceEndsAt: changes.graceEndsAt } : {}),
          },
        );
      }),
    );
  }

  /** All pending versions with their records: the reconciler settles those a crash left. */
  async pendingVersions(): Promise<Array<{ record: SecretRecordEntity; version: SecretVersionEntity }>> {
    const pending = await this.versions.find({ where: { state: 'pending' }, order: { version: 'ASC' } });
    const records = await this.records.findBy({ id: In([...new Set(pending.map((version) => version.secretId))]) });
    const byId = new Map(records.map((record) => [record.id, record]));
    return pending.flatMap((version) => {
      const record = byId.get(version.secretId);
      return record ? [{ record, version }] : [];
    });
  }

  listVersions(record: SecretRecordEntity): Promise<SecretVersionEntity[]> {
    return this.versions.find({ where: { secretId: record.id, state: Not('pending') }, order: { version: 'DESC' } });
  }

  findVersion(record: SecretRecordEntity, version: number): Promise<SecretVersionEntity | null> {
    return this.versions.findOneBy({ secretId: record.id, version, state: Not('pending') });
  }

  openValues(record: SecretRecordEntity, version: SecretVersionEntity): Record<string, Buffer> | undefined {
    if (!version.kekId || !version.wrappedDataKey || !version.ciphertext) return undefined;
    return this.cipher.open(
      { kekId: version.kekId, wrappedDataKey: version.wrappedDataKey, ciphertext: version.ciphertext },
      sealContext(record, version.version),
    );
  }

  /** Whether `values` are exactly what `version` recorded (same keys, same fingerprints). */
  holdsVersion(
    record: SecretRecordEntity,
    version: SecretVersionEntity,
    values: Readonly<Record<string, Buffer>>,
  ): boolean {
    return this.changedKeys(record, version, values).length === 0;
  }

  /**
   * Keys whose value in `values` differs from `version` (added, removed or changed), names only.
   * A two-phase rotation's `.previous` companions are no part of a version and are not compared.
   */
  changedKeys(
    record: SecretRecordEntity,
    version: SecretVersionEntity,
    values: Readonly<Record<string, Buffer>>,
  ): string[] {
    const recorded =
      version.fingerprintScheme === FINGERPRINT_SCHEME
        ? version.fingerprints
        : this.cipher.rebindFingerprints(version.fingerprints, record);
    const live = this.cipher.fingerprint(withoutPreviousKeys(values, new Set(Object.keys(recorded))), record);
    const keys = new Set([...Object.keys(recorded), ...Object.keys(live)]);
    return [...keys].filter((key) => recorded[key] !== live[key]).sort();
  }

  /**
   * Re-keys fingerprints written under the first, broker-wide scheme to the per-secret scheme.
   * Deterministic and conditional on the old scheme, so replicas doing it at once agree.
   */
  async upgradeFingerprints(batchSize = 500): Promise<number> {
    let upgraded = 0;
    for (;;) {
      const legacy = await this.versions.find({
        where: { fingerprintScheme: Not(FINGERPRINT_SCHEME) },
        take: batchSize,
        order: { id: 'ASC' },
      });
      if (legacy.length === 0) return upgraded;
      const records = await this.records.findBy({ id: In([...new Set(legacy.map((version) => version.secretId))]) });
      const byId = new Map(records.map((record) => [record.id, record]));
      for (const version of legacy) {
        const record = byId.get(version.secretId) as SecretRecordEntity;
        const fingerprints = this.cipher.rebindFingerprints(version.fingerprints, record);
        await this.versions.update(
          { id: version.id, fingerprintScheme: version.fingerprintScheme },
          { fingerprints, fingerprintScheme: FINGERPRINT_SCHEME },
        );
      }
      upgraded += legacy.length;
    }
  }

  findCurrentVersion(record: SecretRecordEntity): Promise<SecretVersionEntity | null> {
    return this.versions.findOneBy({ secretId: record.id, state: 'current' });
  }

  /**
   * Whether a write to the secret is in flight: a pending version younger than `maxAgeSeconds`.
   * An older one was left by a process that died, and waits for the reconciler.
   */
  async hasPendingVersion(record: SecretRecordEntity, maxAgeSeconds: number): Promise<boolean> {
    const since = new Date(this.clock.now() - maxAgeSeconds * 1000);
    return (await this.versions.countBy({ secretId: record.id, state: 'pending', createdAt: MoreThan(since) })) > 0;
  }

  /** Active records with a current version, a page at a time (drift comparison, catching up after a restore). */
  activeRecords(afterId: string, take: number): Promise<SecretRecordEntity[]> {
    return this.records.find({
      where: { state: 'active', currentVersion: Not(IsNull()), id: MoreThan(afterId) },
      order: { id: 'ASC' },
      take,
    });
  }

  /** A changed rotation policy, and the first rotation it schedules (failures of the old one forgotten). */
  async setRotationPolicy(
    record: SecretRecordEntity,
    policy: RotationPolicy,
    nextRotationAt: Date | null,
  ): Promise<void> {
    await this.records.update({ id: record.id }, { rotationPolicy: policy, nextRotationAt, rotationFailures: 0 });
  }
}

const EVENT_OF_REASON: Readonly<Record<VersionReason, LifecycleEventType | undefined>> = {
  create: 'secret.created',
  update: 'secret.updated',
  rotate: 'secret.rotated',
  rollback: 'secret.rolled_back',
  // Adoption and restore record what the cluster already held; nothing changed.
  adopt: undefined,
  restore: undefined,
};

/** The lifecycle event a version becoming current announces, whoever settles it (writer or reconciler). */
function eventOf(record: SecretRecordEntity, version: SecretVersionEntity): LifecycleEventInput | undefined {
  const type = EVENT_OF_REASON[version.reason];
  if (!type) return undefined;
  return {
    type,
    namespace: record.namespace,
    name: record.name,
    version: version.version,
    subject: version.createdBy,
    ...(version.sourceVersion === null ? {} : { details: { sourceVersion: version.sourceVersion } }),
  };
}

/** PostgreSQL 23505; SQLite SQLITE_CONSTRAINT_UNIQUE / _PRIMARYKEY. */
function isUniqueViolation(error: unknown): boolean {
  return ['23505', 'SQLITE_CONSTRAINT_UNIQUE', 'SQLITE_CONSTRAINT_PRIMARYKEY'].includes(driverCode(error));
}

/** A unique or a foreign-key violation (PostgreSQL 23503; SQLite SQLITE_CONSTRAINT_FOREIGNKEY). */
function isConstraintViolation(error: unknown): boolean {
  return isUniqueViolation(error) || ['23503', 'SQLITE_CONSTRAINT_FOREIGNKEY'].includes(driverCode(error));
}

function driverCode(error: unknown): string {
  if (!(error instanceof QueryFailedError)) return '';
  const code = (error.driverError as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' ? code : '';
}

/** The associated data that binds sealed values (and their wrapped data key) to one version of one secret. */
export function sealContext(record: Pick<SecretRecordEntity, 'namespace' | 'name' | 'id'>, version: number): string {
  return `${record.namespace}/${record.name}#${record.id}#${version}`;
}
