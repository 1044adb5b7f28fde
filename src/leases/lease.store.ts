import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { DataSource, In, type EntityManager } from 'typeorm';
import { LifecycleEvents, type LifecycleEventType } from '../lifecycle-events/lifecycle-events.js';
import type { LeaseFilter } from './dto/lease-inputs.js';
import { LeaseEntity, type LeaseState } from './entities/lease.entity.js';
import { VIEW_STATE } from './lease-views.js';
import { Clock } from '../common/time/clock.js';

/** Where a listing stands: the last lease of the previous page (newest first). */
export interface LeasePosition {
  readonly createdAt: Date;
  readonly id: string;
}

export interface IssuedLease {
  readonly ownerUid: string;
  readonly tokenFingerprint: string;
  readonly tokenExpiresAt: Date;
}

const LIVE_STATES: readonly LeaseState[] = ['pending', 'active'];

/**
 * The `leases` table. Every state change is one conditional UPDATE, so of two replicas (or a
 * revocation and the sweeper) that race, one wins; a change and its lifecycle event commit together.
 */
@Injectable()
export class LeaseStore {
  constructor(
    private readonly dataSource: DataSource,
    private readonly events: LifecycleEvents,
    private readonly clock: Clock,
  ) {}

  private get leases() {
    return this.dataSource.getRepository(LeaseEntity);
  }

  async insertPending(
    lease: Omit<
      LeaseEntity,
      'state' | 'ownerUid' | 'tokenFingerprint' | 'tokenExpiresAt' | 'endedAt' | 'endedBy' | 'claimedBy' | 'claimedAt'
    >,
  ): Promise<LeaseEntity> {
    const row = this.leases.create({
      ...lease,
      state: 'pending',
      ownerUid: null,
      tokenFingerprint: null,
      tokenExpiresAt: null,
      endedAt: null,
      endedBy: null,
      claimedBy: null,
      claimedAt: null,
    });
    await this.leases.insert(row);
    return row;
  }

  /** Pending → active with what the cluster issued, and `lease.created`; false when it already ended. */
  activate(lease: LeaseEntity, issued: IssuedLease): Promise<boolean> {
    return this.dataSource.transaction(async (manager) => {
      const result = await manager
        .createQueryBuilder()
        .update(LeaseEntity)
        .set({ state: 'active', ...issued })
        .where('id = :id AND state = :pending', { id: lease.id, pending: 'pending' })
        .execute();
      if (result.affected !== 1) return false;
      await this.announce(manager, 'lease.created', lease, lease.subject, {
        expiresAt: lease.expiresAt.toISOString(),
      });
      return true;
    });
  }

  /** A lease whose creation failed before anything was issued leaves no row. */
  async remove(id: string): Promise<void> {
    await this.leases.delete({ id, state: 'pending' });
  }

  find(id: string): Promise<LeaseEntity | null> {
    return this.leases.findOneBy({ id });
  }

  /**
   * Ends a lease that is still in one of `from`, with its lifecycle event, in one transaction;
   * false when another replica or request ended it first.
   */
  end(
    lease: LeaseEntity,
    change: { readonly to: 'revoked' | 'expired'; readonly from: readonly LeaseState[]; readonly by: string },
  ): Promise<boolean> {
    return this.dataSource.transaction(async (manager) => {
      const result = await manager
        .createQueryBuilder()
        .update(LeaseEntity)
        .set({ state: change.to, endedAt: new Date(this.clock.now()), endedBy: change.by })
        .where('id = :id AND state IN (:...from)', { id: lease.id, from: [...change.from] })
        .execute();
      if (result.affected !== 1) return false;
      await this.announce(manager, change.to === 'revoked' ? 'lease.revoked' : 'lease.expired', lease, change.by, {});
      return true;
    });
  }

  /**
   * Claims up to `limit` leases past their expiry for one sweep: live ones, and ones another
   * sweep claimed before `staleBefore` without finishing (that replica stopped). Each claim is a
   * conditional UPDATE on the state and previous claim read, so exactly one replica wins a row.
   */
  async claimExpired(now: Date, staleBefore: Date, limit: number): Promise<LeaseEntity[]> {
    const candidates = await this.leases
      .createQueryBuilder('lease')
      .where('lease.expires_at <= :now', { now })
      .andWhere('(lease.state IN (:...live) OR (lease.state = :expiring AND lease.claimed_at <= :staleBefore))', {
        live: LIVE_STATES,
        expiring: 'expiring',
        staleBefore,
      })
      .orderBy('lease.expires_at', 'ASC')
      .limit(limit)
      .getMany();
    const claimed: LeaseEntity[] = [];
    for (const lease of candidates) {
      const claim = randomUUID();
      const result = await this.leases
        .createQueryBuilder()
        .update(LeaseEntity)
        .set({ state: 'expiring', claimedBy: claim, claimedAt: now })
        .where("id = :id AND state = :state AND COALESCE(claimed_by, '') = :previous", {
          id: lease.id,
          state: lease.state,
          previous: lease.claimedBy ?? '',
        })
        .execute();
      if (result.affected === 1) claimed.push({ ...lease, state: 'expiring', claimedBy: claim, claimedAt: now });
    }
    return claimed;
  }

  /** Issued leases not yet past their expiry, oldest first, after `afterId` (for checking them in batches). */
  live(now: Date, afterId: string, limit: number): Promise<LeaseEntity[]> {
    return this.leases
      .createQueryBuilder('lease')
      .where({ state: 'active' })
      .andWhere('lease.expires_at > :now', { now })
      .andWhere('lease.id > :afterId', { afterId })
      .orderBy('lease.id', 'ASC')
      .limit(limit)
      .getMany();
  }

  /** Leases of `subject` that are issued or being issued and not yet past their expiry. */
  countLive(subject: string, now: Date): Promise<number> {
    return this.leases
      .createQueryBuilder('lease')
      .where('lease.subject = :subject', { subject })
      .andWhere({ state: In(['pending', 'active']) })
      .andWhere('lease.expires_at > :now', { now })
      .getCount();
  }

  /** Newest first, after `position`; `subject` restricts to one caller's own leases. */
  page(filter: LeaseFilter, position: LeasePosition | undefined, size: number): Promise<LeaseEntity[]> {
    const query = this.leases.createQueryBuilder('lease');
    if (filter.namespace !== undefined) query.andWhere('lease.namespace = :namespace', { namespace: filter.namespace });
    if (filter.subject !== undefined) query.andWhere('lease.subject = :subject', { subject: filter.subject });
    if (filter.state !== undefined) {
      const states = (Object.keys(VIEW_STATE) as LeaseState[]).filter((state) => VIEW_STATE[state] === filter.state);
      query.andWhere({ state: In(states) });
    }
    if (position !== undefined) {
      query.andWhere('(lease.created_at < :at OR (lease.created_at = :at AND lease.id < :id))', {
        at: position.createdAt,
        id: position.id,
      });
    }
    return query.orderBy('lease.created_at', 'DESC').addOrderBy('lease.id', 'DESC').limit(size).getMany();
  }

  private announce(
    manager: EntityManager,
    type: LifecycleEventType,
    lease: LeaseEntity,
    subject: string,
    details: Record<string, string>,
  ): Promise<void> {
    return this.events.enqueue(manager, [
      {
        type,
        namespace: lease.namespace,
        name: lease.serviceAccount,
        subject,
        details: { leaseId: lease.id, holder: lease.subject, ...details },
      },
    ]);
  }
}
