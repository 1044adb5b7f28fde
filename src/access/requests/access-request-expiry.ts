import { Inject, Injectable, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import type { Logger } from 'pino';
import { AuditService } from '../../audit/audit.service.js';
import { DomainError, ErrorCode } from '../../common/errors/domain-error.js';
import { ROOT_LOGGER } from '../../common/logging/logger.js';
import { PeriodicTask } from '../../common/scheduling/periodic-task.js';
import { Clock } from '../../common/time/clock.js';
import { ACCESS_REQUESTS_SUBJECT, requestEvent, systemRun } from './access-request-audit.js';
import { AccessRequestStore, type RequestTransaction } from './access-request.store.js';
import type { AccessRequestEntity } from './entities/access-request.entity.js';

const SWEEP_SECONDS = 30;
const BATCH = 100;

/**
 * Pending requests past their deadline become `expired`: on every read and review of one, and
 * every SWEEP_SECONDS for all of them, so an unanswered request never lingers as pending. Each
 * expiry is one conditional update, so replicas and readers that race expire it once.
 */
@Injectable()
export class AccessRequestExpiry implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly task: PeriodicTask;
  private readonly logger: Logger;

  constructor(
    private readonly store: AccessRequestStore,
    private readonly audit: AuditService,
    @Inject(Clock) private readonly clock: Pick<Clock, 'now'>,
    @Inject(ROOT_LOGGER) rootLogger: Logger,
  ) {
    this.logger = rootLogger.child({ component: 'access-request-expiry' });
    this.task = new PeriodicTask(
      () => this.expireOverdue(),
      (error) => this.logger.error({ err: error }, 'access request expiry sweep failed'),
    );
  }

  onApplicationBootstrap(): void {
    this.task.start(SWEEP_SECONDS);
  }

  onModuleDestroy(): Promise<void> {
    return this.task.stop();
  }

  /** One sweep now (or the one under way). */
  sweepOnce(): Promise<void> {
    return this.task.runOnce();
  }

  async expireOverdue(): Promise<void> {
    for (const request of await this.store.overdue(new Date(this.clock.now()), BATCH))
      await this.expireIfOverdue(request);
  }

  /** The request, expired first if it was pending past its deadline. */
  async expireIfOverdue(request: AccessRequestEntity): Promise<AccessRequestEntity> {
    if (!this.isOverdue(request)) return request;
    const expired = await this.store.change(async (tx) => {
      const locked = await this.store.lock(tx, request.id);
      if (!locked || !this.isOverdue(locked)) return false;
      const done = await this.store.resolve(tx, locked, 'expired', {
        resolvedAt: new Date(this.clock.now()),
        resolvedBy: ACCESS_REQUESTS_SUBJECT,
        resolutionReason: 'no decision before the deadline',
      });
      if (done) await tx.announce('access_request.expired', locked, ACCESS_REQUESTS_SUBJECT);
      return done;
    });
    if (expired) {
      await this.audit.record(
        requestEvent(systemRun(), 'access_request.expire', 'succeeded', request, {
          reason: 'no decision before the deadline',
        }),
      );
    }
    return (await this.store.find(request.id)) ?? request;
  }

  /** The request locked in `tx`, refused (409) unless it is pending and within its deadline. */
  async lockPending(tx: RequestTransaction, id: string): Promise<AccessRequestEntity> {
    const locked = await this.store.lock(tx, id);
    if (!locked) throw new DomainError(ErrorCode.NotFound, `Access request ${id} not found`);
    if (locked.state !== 'pending' || this.isOverdue(locked)) {
      const state = locked.state === 'pending' ? 'expired' : locked.state;
      throw new DomainError(ErrorCode.Conflict, `Access request ${id} is already ${state}`, { details: { state } });
    }
    return locked;
  }

  private isOverdue(request: AccessRequestEntity): boolean {
    return request.state === 'pending' && request.expiresAt.getTime() <= this.clock.now();
  }
}
