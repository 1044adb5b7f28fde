import { Injectable } from '@nestjs/common';
import { DataSource, In, type EntityManager } from 'typeorm';
import { LifecycleEvents, type LifecycleEventType } from '../../lifecycle-events/lifecycle-events.js';
import { TemporaryGrants, type GrantTransaction } from '../../grants/temporary-grants.js';
import { AccessRequestReviewEntity } from './entities/access-request-review.entity.js';
import { AccessRequestEntity, type AccessRequestState } from './entities/access-request.entity.js';

/** Where a listing stands: the last request of the previous page (newest first). */
export interface AccessRequestPosition {
  readonly createdAt: Date;
  readonly id: string;
}

/** What a listing asks the database for (visibility is decided afterwards, per row). */
export interface AccessRequestQuery {
  readonly requester?: string;
  readonly notRequester?: string;
  readonly state?: AccessRequestState;
  /** Pending requests, or break-glass uses without a post-review (an approver's inbox). */
  readonly awaitingReview?: boolean;
  readonly unreviewedBreakGlass?: boolean;
}

/** A request under change: its row (locked), its reviews, and what the transaction may do. */
export interface RequestTransaction {
  readonly manager: EntityManager;
  readonly grants: GrantTransaction;
  announce(type: LifecycleEventType, request: AccessRequestEntity, subject: string): Promise<void>;
}

/**
 * The `access_requests` and `access_request_reviews` tables. Every change runs in one transaction
 * that also carries the grants it makes or ends (TemporaryGrants) and the lifecycle events it
 * announces. Changes are serialised: in this process (SQLite has one connection, on which
 * TypeORM would nest concurrent transactions), and across replicas by the grants' version row
 * and the request's row lock (PostgreSQL); state changes are conditional updates on `pending`.
 */
@Injectable()
export class AccessRequestStore {
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly dataSource: DataSource,
    private readonly events: LifecycleEvents,
    private readonly grants: TemporaryGrants,
  ) {}

  /** Runs `work` as one transaction, after the ones under way in this process. */
  change<T>(work: (tx: RequestTransaction) => Promise<T>): Promise<T> {
    const run = () =>
      this.grants.transaction((grants) =>
        work({
          manager: grants.manager,
          grants,
          announce: (type, request, subject) => this.announce(grants.manager, type, request, subject),
        }),
      );
    const next = this.queue.then(run, run);
    this.queue = next.catch(() => undefined);
    return next;
  }

  /** The request, locked for the rest of the transaction on PostgreSQL; null when missing. */
  lock(tx: RequestTransaction, id: string): Promise<AccessRequestEntity | null> {
    const postgres = tx.manager.connection.options.type === 'postgres';
    return tx.manager.getRepository(AccessRequestEntity).findOne({
      where: { id },
      ...(postgres ? { lock: { mode: 'pessimistic_write' as const } } : {}),
    });
  }

  /** pending → `to` with `fields`, only if still pending; false when something else resolved it first. */
  async resolve(
    tx: RequestTransaction,
    request: AccessRequestEntity,
    to: Exclude<AccessRequestState, 'pending'>,
    fields: Partial<AccessRequestEntity>,
  ): Promise<boolean> {
    const result = await tx.manager
      .createQueryBuilder()
      .update(AccessRequestEntity)
      .set({ ...fields, state: to })
      .where('id = :id AND state = :pending', { id: request.id, pending: 'pending' })
      .execute();
    if (result.affected !== 1) return false;
    Object.assign(request, fields, { state: to });
    return true;
  }

  /** Sets fields of a request that has left pending (revocation, post-review); false when `unless` already holds. */
  async amend(
    tx: RequestTransaction,
    request: AccessRequestEntity,
    fields: Partial<AccessRequestEntity>,
    unlessSet: 'revokedAt' | 'postReviewedAt',
  ): Promise<boolean> {
    const column = unlessSet === 'revokedAt' ? 'revoked_at' : 'post_reviewed_at';
    const result = await tx.manager
      .createQueryBuilder()
      .update(AccessRequestEntity)
      .set(fields)
      .where(`id = :id AND ${column} IS NULL`, { id: request.id })
      .execute();
    if (result.affected !== 1) return false;
    Object.assign(request, fields);
    return true;
  }

  insert(tx: RequestTransaction, request: AccessRequestEntity): Promise<unknown> {
    return tx.manager.getRepository(AccessRequestEntity).insert(request);
  }

  insertReview(tx: RequestTransaction, review: AccessRequestReviewEntity): Promise<unknown> {
    return tx.manager.getRepository(AccessRequestReviewEntity).insert(review);
  }

  find(id: string): Promise<AccessRequestEntity | null> {
    return this.dataSource.getRepository(AccessRequestEntity).findOneBy({ id });
  }

  /** Reviews of each request, oldest first. */
  async reviewsOf(
    ids: readonly string[],
    manager: EntityManager = this.dataSource.manager,
  ): Promise<Map<string, AccessRequestReviewEntity[]>> {
    const byRequest = new Map<string, AccessRequestReviewEntity[]>(ids.map((id) => [id, []]));
    if (ids.length === 0) return byRequest;
    const rows = await manager.getRepository(AccessRequestReviewEntity).find({
      where: { requestId: In([...ids]) },
      order: { createdAt: 'ASC', id: 'ASC' },
    });
    for (const row of rows) byRequest.get(row.requestId)?.push(row);
    return byRequest;
  }

  /**
   * The first request of `requester` for the same thing that is approved with access still to
   * come or under way, or (unless `pendingToo` is false: break-glass does not wait on one) pending.
   */
  async findOverlapping(
    tx: RequestTransaction,
    like: Pick<AccessRequestEntity, 'requester' | 'policyName' | 'namespace' | 'namePattern' | 'role'>,
    now: Date,
    pendingToo = true,
  ): Promise<AccessRequestEntity | null> {
    return tx.manager
      .getRepository(AccessRequestEntity)
      .createQueryBuilder('request')
      .where('request.requester = :requester AND request.policy_name = :policy', {
        requester: like.requester,
        policy: like.policyName,
      })
      .andWhere('request.namespace = :namespace AND request.name_pattern = :pattern AND request.role = :role', {
        namespace: like.namespace,
        pattern: like.namePattern,
        role: like.role,
      })
      .andWhere(
        `(${pendingToo ? "request.state = 'pending' OR " : ''}(request.state = 'approved' AND request.revoked_at IS NULL AND request.grant_expires_at > :now))`,
        { now },
      )
      .orderBy('request.created_at', 'ASC')
      .getOne();
  }

  /** Pending requests of a policy (to invalidate when it changes or goes). */
  pendingOf(tx: RequestTransaction, policyName: string): Promise<AccessRequestEntity[]> {
    return tx.manager.getRepository(AccessRequestEntity).find({ where: { policyName, state: 'pending' } });
  }

  /** Pending requests past their deadline, oldest first. */
  async overdue(now: Date, limit: number): Promise<AccessRequestEntity[]> {
    return this.dataSource
      .getRepository(AccessRequestEntity)
      .createQueryBuilder('request')
      .where('request.state = :pending AND request.expires_at <= :now', { pending: 'pending', now })
      .orderBy('request.expires_at', 'ASC')
      .limit(limit)
      .getMany();
  }

  /** Newest first, after `position`. */
  page(
    query: AccessRequestQuery,
    position: AccessRequestPosition | undefined,
    size: number,
  ): Promise<AccessRequestEntity[]> {
    const builder = this.dataSource.getRepository(AccessRequestEntity).createQueryBuilder('request');
    if (query.requester !== undefined)
      builder.andWhere('request.requester = :requester', { requester: query.requester });
    if (query.notRequester !== undefined) {
      builder.andWhere('request.requester <> :notRequester', { notRequester: query.notRequester });
    }
    if (query.state !== undefined) builder.andWhere('request.state = :state', { state: query.state });
    if (query.awaitingReview) {
      builder.andWhere(
        "(request.state = 'pending' OR (request.break_glass = TRUE AND request.post_reviewed_at IS NULL))",
      );
    }
    if (query.unreviewedBreakGlass) {
      builder.andWhere('request.break_glass = TRUE AND request.post_reviewed_at IS NULL');
    }
    if (position !== undefined) {
      builder.andWhere('(request.created_at < :at OR (request.created_at = :at AND request.id < :id))', {
        at: position.createdAt,
        id: position.id,
      });
    }
    return builder.orderBy('request.created_at', 'DESC').addOrderBy('request.id', 'DESC').limit(size).getMany();
  }

  private announce(
    manager: EntityManager,
    type: LifecycleEventType,
    request: AccessRequestEntity,
    subject: string,
  ): Promise<void> {
    return this.events.enqueue(manager, [
      {
        type,
        namespace: request.namespace,
        name: request.namePattern,
        subject,
        details: {
          accessRequestId: request.id,
          role: request.role,
          state: request.state,
          requester: request.requester,
        },
      },
    ]);
  }
}
