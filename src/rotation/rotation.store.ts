import { Injectable } from '@nestjs/common';
import { InjectDataSource, InjectRepository } from '@nestjs/typeorm';
import { DataSource, LessThanOrEqual, Repository } from 'typeorm';
import { LifecycleEvents, type LifecycleEventInput } from '../lifecycle-events/lifecycle-events.js';
import { SecretRecordEntity } from '../secrets/entities/secret-record.entity.js';
import { SecretVersionEntity } from '../secrets/entities/secret-version.entity.js';

/**
 * Persistence of the rotation engine's state on secret records: rotation slots and their
 * failures, the ends of two-phase grace periods, drift. Each change is conditional, so replicas
 * racing for the same slot, grace end or drift agree on one winner.
 */
@Injectable()
export class RotationStore {
  constructor(
    @InjectRepository(SecretRecordEntity) private readonly records: Repository<SecretRecordEntity>,
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly events: LifecycleEvents,
  ) {}

  /** Records whose scheduled rotation slot has come (jitter is applied by the caller). */
  dueRotations(now: Date, take: number): Promise<SecretRecordEntity[]> {
    return this.records.find({
      where: { state: 'active', nextRotationAt: LessThanOrEqual(now) },
      order: { nextRotationAt: 'ASC' },
      take,
    });
  }

  /**
   * Takes the rotation of `slot` for this replica by moving the record to its next slot, only if
   * it is still at `slot`: of replicas that saw the same slot, exactly one moves it.
   */
  async claimRotation(record: SecretRecordEntity, slot: Date, next: Date | null): Promise<boolean> {
    const result = await this.records
      .createQueryBuilder()
      .update()
      .set({ nextRotationAt: next, updatedAt: () => 'updated_at' })
      .where('id = :id AND next_rotation_at >= :from AND next_rotation_at < :until', {
        id: record.id,
        ...sameMillisecond(slot),
      })
      .execute();
    return result.affected === 1;
  }

  /** A scheduled rotation succeeded: the failure count starts again. */
  async rotationSucceeded(record: SecretRecordEntity): Promise<void> {
    await this.records
      .createQueryBuilder()
      .update()
      .set({ rotationFailures: 0, updatedAt: () => 'updated_at' })
      .where('id = :id', { id: record.id })
      .execute();
  }

  /**
   * A scheduled rotation failed: it is tried again at `retry` (unless its next slot comes first),
   * and `rotation.failed` is announced in the same transaction.
   */
  async rotationFailed(record: SecretRecordEntity, retry: Date, event: LifecycleEventInput): Promise<number> {
    return this.dataSource.transaction(async (manager) => {
      const records = manager.getRepository(SecretRecordEntity);
      const current = await records.findOneByOrFail({ id: record.id });
      const failures = current.rotationFailures + 1;
      const next =
        current.nextRotationAt === null || current.nextRotationAt.getTime() > retry.getTime()
          ? retry
          : current.nextRotationAt;
      await manager
        .createQueryBuilder()
        .update(SecretRecordEntity)
        .set({ rotationFailures: failures, nextRotationAt: next, updatedAt: () => 'updated_at' })
        .where('id = :id', { id: record.id })
        .execute();
      await this.events.enqueue(manager, [{ ...event, details: { ...event.details, failures } }]);
      return failures;
    });
  }

  /** Records whose two-phase grace period is over. */
  dueGracePeriods(now: Date, take: number): Promise<SecretRecordEntity[]> {
    return this.records.find({ where: { graceEndsAt: LessThanOrEqual(now) }, order: { graceEndsAt: 'ASC' }, take });
  }

  /**
   * Takes the end of a grace period for this replica until `leaseUntil`: another replica (or a
   * restart) picks it up again only if this one did not finish by then.
   */
  async claimGraceEnd(record: SecretRecordEntity, endsAt: Date, leaseUntil: Date): Promise<boolean> {
    const result = await this.records
      .createQueryBuilder()
      .update()
      .set({ graceEndsAt: leaseUntil, updatedAt: () => 'updated_at' })
      .where('id = :id AND grace_ends_at >= :from AND grace_ends_at < :until', {
        id: record.id,
        ...sameMillisecond(endsAt),
      })
      .execute();
    return result.affected === 1;
  }

  /** The previous values left the cluster: the grace period is over and the previous version deprecated. */
  async endGrace(record: SecretRecordEntity, leaseUntil: Date): Promise<void> {
    await this.dataSource.transaction(async (manager) => {
      const ended = await manager
        .createQueryBuilder()
        .update(SecretRecordEntity)
        .set({ graceEndsAt: null, updatedAt: () => 'updated_at' })
        .where('id = :id AND grace_ends_at >= :from AND grace_ends_at < :until', {
          id: record.id,
          ...sameMillisecond(leaseUntil),
        })
        .execute();
      if (ended.affected !== 1) return;
      await manager
        .getRepository(SecretVersionEntity)
        .update({ secretId: record.id, state: 'previous' }, { state: 'deprecated' });
    });
  }

  /**
   * Records drift (keys only) and announces `secret.drifted` in the same transaction. Returns
   * false when the same drift is already on record, so it is reported once.
   */
  async markDrifted(record: SecretRecordEntity, keys: readonly string[], deleted: boolean, at: Date): Promise<boolean> {
    return this.dataSource.transaction(async (manager) => {
      // Replicas that notice the same drift at once: the row lock lets one of them report it.
      const current = await manager.getRepository(SecretRecordEntity).findOneOrFail({
        where: { id: record.id },
        ...(manager.connection.options.type === 'postgres' ? { lock: { mode: 'pessimistic_write' as const } } : {}),
      });
      if (current.driftedAt !== null && sameKeys(current.driftedKeys ?? [], keys)) return false;
      await manager
        .createQueryBuilder()
        .update(SecretRecordEntity)
        .set({ driftedAt: at, driftedKeys: [...keys], updatedAt: () => 'updated_at' })
        .where('id = :id', { id: record.id })
        .execute();
      await this.events.enqueue(manager, [
        {
          type: 'secret.drifted',
          namespace: record.namespace,
          name: record.name,
          version: current.currentVersion ?? undefined,
          subject: DRIFT_SUBJECT,
          details: { keys: keys.join(','), deleted },
        },
      ]);
      return true;
    });
  }

  /** The cluster holds the current version again (restored, or changed back). */
  async clearDrift(record: SecretRecordEntity): Promise<void> {
    await this.records
      .createQueryBuilder()
      .update()
      .set({ driftedAt: null, driftedKeys: null, updatedAt: () => 'updated_at' })
      .where('id = :id', { id: record.id })
      .execute();
  }
}

/** The subject drift is recorded under: nobody the broker knows changed the object. */
export const DRIFT_SUBJECT = 'system:drift-detector';

/**
 * Bounds matching a timestamp read back into a Date: PostgreSQL keeps microseconds, which a Date
 * drops, so an equality test would miss a value written by SQL rather than by the broker.
 */
function sameMillisecond(at: Date): { from: Date; until: Date } {
  return { from: at, until: new Date(at.getTime() + 1) };
}

function sameKeys(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((key, index) => key === b[index]);
}
