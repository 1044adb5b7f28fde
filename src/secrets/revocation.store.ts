import { Injectable } from '@nestjs/common';
import { InjectDataSource, InjectRepository } from '@nestjs/typeorm';
import { DataSource, In, Repository } from 'typeorm';
import { DomainError, ErrorCode } from '../common/errors/domain-error.js';
import { Clock } from '../common/time/clock.js';
import { LifecycleEvents } from '../lifecycle-events/lifecycle-events.js';
import { SecretRecordEntity } from './entities/secret-record.entity.js';
import { SecretVersionEntity } from './entities/secret-version.entity.js';

/**
 * The states of a revocation on the record: begun before the cluster object is deleted, then
 * either cancelled (the object is still there) or completed, so a crash in between ends up
 * fully revoked or untouched.
 */
@Injectable()
export class RevocationStore {
  constructor(
    @InjectRepository(SecretRecordEntity) private readonly records: Repository<SecretRecordEntity>,
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly events: LifecycleEvents,
    private readonly clock: Clock,
  ) {}

  /**
   * First step of a revocation, before the cluster object is deleted: marks the record so that,
   * whatever fails next, the secret ends up fully revoked or untouched (settleRevocation).
   * Not a change of the record, so `updated_at` stays as it was.
   */
  async beginRevocation(record: SecretRecordEntity, revokedBy: string, reason: string): Promise<void> {
    const marked = await this.setRevocationMark(record, {
      from: 'active',
      to: 'revoking',
      revokedBy,
      revokeReason: reason,
    });
    if (!marked)
      throw new DomainError(
        ErrorCode.Conflict,
        `Secret ${record.namespace}/${record.name} is being changed by another request; retry`,
      );
  }

  /** The cluster object is still there: the revocation did not happen. */
  async cancelRevocation(record: SecretRecordEntity): Promise<void> {
    await this.setRevocationMark(record, { from: 'revoking', to: 'active', revokedBy: null, revokeReason: null });
  }

  /**
   * Finishes a revocation interrupted after its first step: revoked if the cluster object is gone,
   * active again if it is not. Returns the record as it now stands.
   */
  async settleRevocation(record: SecretRecordEntity, clusterObjectExists: boolean): Promise<SecretRecordEntity> {
    if (clusterObjectExists) await this.cancelRevocation(record);
    else await this.markRevoked(record, record.revokedBy ?? 'unknown', record.revokeReason ?? 'revocation completed');
    return this.records.findOneByOrFail({ id: record.id });
  }

  private async setRevocationMark(
    record: SecretRecordEntity,
    change: {
      from: 'active' | 'revoking';
      to: 'active' | 'revoking';
      revokedBy: string | null;
      revokeReason: string | null;
    },
  ): Promise<boolean> {
    const result = await this.records
      .createQueryBuilder()
      .update()
      .set({
        state: change.to,
        revokedBy: change.revokedBy,
        revokeReason: change.revokeReason,
        updatedAt: () => 'updated_at',
      })
      .where('id = :id AND state = :from', { id: record.id, from: change.from })
      .execute();
    return result.affected === 1;
  }

  /** Revoked: history stays (fingerprints, who, when), every sealed value is destroyed. */
  async markRevoked(record: SecretRecordEntity, revokedBy: string, reason: string): Promise<void> {
    await this.dataSource.transaction(async (manager) => {
      await manager
        .getRepository(SecretVersionEntity)
        .update({ secretId: record.id }, { kekId: null, wrappedDataKey: null, ciphertext: null });
      await manager
        .getRepository(SecretVersionEntity)
        .update({ secretId: record.id, state: In(['current', 'previous']) }, { state: 'deprecated' });
      await manager.getRepository(SecretRecordEntity).update(
        { id: record.id },
        {
          state: 'revoked',
          revokedAt: new Date(this.clock.now()),
          revokedBy,
          revokeReason: reason,
          currentVersion: null,
        },
      );
      await this.events.enqueue(manager, [
        {
          type: 'secret.revoked',
          namespace: record.namespace,
          name: record.name,
          subject: revokedBy,
          details: { reason },
        },
      ]);
    });
  }
}
