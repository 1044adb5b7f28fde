import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource, InjectRepository } from '@nestjs/typeorm';
import { randomUUID } from 'node:crypto';
import { DataSource, In, Not, QueryFailedError, Repository } from 'typeorm';
import { DomainError, ErrorCode } from '../common/errors/domain-error.js';
import type { AppConfig } from '../config/app-config.js';
import { APP_CONFIG } from '../config/config.module.js';
import { EnvelopeCipher } from './crypto/envelope-cipher.js';
import { SecretRecordEntity } from './entities/secret-record.entity.js';
import { SecretVersionEntity, type VersionReason } from './entities/secret-version.entity.js';
import type { RotationPolicy } from './rotation-policy.js';

export interface NewVersion {
  readonly values: Readonly<Record<string, Buffer>>;
  readonly reason: VersionReason;
  readonly createdBy: string;
  readonly note?: string;
  readonly sourceVersion?: number;
}

/**
 * Persistence of secret records and their versions. Values are sealed before they are stored
 * and a pending version exists before the cluster is touched (SPEC §9).
 */
@Injectable()
export class SecretVersionStore {
  constructor(
    @InjectRepository(SecretRecordEntity) private readonly records: Repository<SecretRecordEntity>,
    @InjectRepository(SecretVersionEntity) private readonly versions: Repository<SecretVersionEntity>,
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly cipher: EnvelopeCipher,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  findRecord(namespace: string, name: string): Promise<SecretRecordEntity | null> {
    return this.records.findOneBy({ namespace, name });
  }

  /** The records of many secrets of one namespace in one query (for listings). */
  async findRecords(namespace: string, names: readonly string[]): Promise<Map<string, SecretRecordEntity>> {
    if (names.length === 0) return new Map();
    const records = await this.records.findBy({ namespace, name: In([...names]) });
    return new Map(records.map((record) => [record.name, record]));
  }

  /** The record for a secret about to be written, created (or reactivated after revoke) if needed. */
  async ensureRecord(namespace: string, name: string, type: string, policy: RotationPolicy | null): Promise<SecretRecordEntity> {
    const existing = await this.findRecord(namespace, name);
    if (existing) {
      if (existing.state === 'revoked') {
        existing.state = 'active';
        existing.type = type;
        existing.rotationPolicy = policy ?? existing.rotationPolicy;
        existing.revokedAt = null;
        existing.revokedBy = null;
        existing.revokeReason = null;
        return this.records.save(existing);
      }
      return existing;
    }
    try {
      await this.records.insert({ id: randomUUID(), namespace, name, state: 'active', type, currentVersion: null, rotationPolicy: policy });
    } catch (error) {
      if (!(error instanceof QueryFailedError)) throw error;
      // Another writer created it first; carry on with theirs.
    }
    return this.records.findOneByOrFail({ namespace, name });
  }

  /** Stores a sealed pending version; a concurrent writer that took the number gets CONFLICT. */
  async addPending(record: SecretRecordEntity, next: NewVersion): Promise<SecretVersionEntity> {
    const highest = await this.versions.maximum('version', { secretId: record.id });
    const version = (highest ?? 0) + 1;
    const sealed = this.cipher.seal(next.values, sealContext(record, version));
    const entity = this.versions.create({
      id: randomUUID(),
      secretId: record.id,
      version,
      state: 'pending',
      reason: next.reason,
      sourceVersion: next.sourceVersion ?? null,
      createdBy: next.createdBy,
      note: next.note ?? null,
      fingerprints: this.cipher.fingerprint(next.values),
      kekId: sealed.kekId,
      wrappedDataKey: sealed.wrappedDataKey,
      ciphertext: sealed.ciphertext,
    });
    try {
      await this.versions.insert(entity);
    } catch (error) {
      if (error instanceof QueryFailedError) {
        throw new DomainError(ErrorCode.Conflict, `Secret ${record.namespace}/${record.name} is being changed by another request; retry`);
      }
      throw error;
    }
    return entity;
  }

  /** The cluster refused the write: the pending version never became real. */
  async discard(pending: SecretVersionEntity): Promise<void> {
    await this.versions.delete({ id: pending.id, state: 'pending' });
  }

  /**
   * The cluster accepted `pending`: it becomes current, the old current previous, older ones
   * deprecated; only the newest N non-current versions keep their sealed values.
   */
  async promote(record: SecretRecordEntity, pending: SecretVersionEntity, changes: { type?: string; policy?: RotationPolicy | null } = {}): Promise<void> {
    await this.dataSource.transaction(async (manager) => {
      const versions = manager.getRepository(SecretVersionEntity);
      await versions.update({ secretId: record.id, state: 'previous' }, { state: 'deprecated' });
      await versions.update({ secretId: record.id, state: 'current' }, { state: 'previous' });
      await versions.update({ id: pending.id }, { state: 'current' });
      const retained = await versions.find({
        select: { id: true },
        where: { secretId: record.id, state: In(['previous', 'deprecated']) },
        order: { version: 'DESC' },
        take: this.config.retainedVersions,
      });
      await versions.update(
        { secretId: record.id, state: In(['previous', 'deprecated']), id: Not(In(retained.map((row) => row.id))) },
        { kekId: null, wrappedDataKey: null, ciphertext: null },
      );
      await manager.getRepository(SecretRecordEntity).update(
        { id: record.id },
        {
          currentVersion: pending.version,
          ...(changes.type ? { type: changes.type } : {}),
          ...(changes.policy !== undefined ? { rotationPolicy: changes.policy } : {}),
        },
      );
    });
  }

  /** Versions a crash left between store and cluster, newest first. */
  pendingVersions(record: SecretRecordEntity): Promise<SecretVersionEntity[]> {
    return this.versions.find({ where: { secretId: record.id, state: 'pending' }, order: { version: 'DESC' } });
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

  fingerprint(values: Readonly<Record<string, Buffer>>): Record<string, string> {
    return this.cipher.fingerprint(values);
  }

  /** Revoked: history stays (fingerprints, who, when), every sealed value is destroyed. */
  async markRevoked(record: SecretRecordEntity, revokedBy: string, reason: string): Promise<void> {
    await this.dataSource.transaction(async (manager) => {
      await manager.getRepository(SecretVersionEntity).update(
        { secretId: record.id },
        { kekId: null, wrappedDataKey: null, ciphertext: null },
      );
      await manager.getRepository(SecretVersionEntity).update({ secretId: record.id, state: In(['current', 'previous']) }, { state: 'deprecated' });
      await manager.getRepository(SecretRecordEntity).update(
        { id: record.id },
        { state: 'revoked', revokedAt: new Date(), revokedBy, revokeReason: reason, currentVersion: null },
      );
    });
  }
}

function sealContext(record: SecretRecordEntity, version: number): string {
  return `${record.namespace}/${record.name}#${record.id}#${version}`;
}
