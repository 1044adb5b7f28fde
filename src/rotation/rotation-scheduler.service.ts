import { Inject, Injectable, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { systemActor, type Actor } from '../common/actor.js';
import { toDomainError } from '../common/errors/to-domain-error.js';
import { ROOT_LOGGER } from '../common/logging/logger.js';
import { PeriodicTask } from '../common/scheduling/periodic-task.js';
import { Clock } from '../common/time/clock.js';
import type { AppConfig } from '../config/app-config.js';
import { APP_CONFIG } from '../config/config.module.js';
import { MetricsService } from '../metrics/metrics.service.js';
import type { SecretRecordEntity } from '../secrets/entities/secret-record.entity.js';
import { isScheduled, jitterMs, nextRotationAt, retryAt } from '../secrets/rotation-schedule.js';
import { SecretSystemWrites } from '../secrets/secret-system-writes.js';
import { GracePeriods } from './grace-periods.js';
import { RotationStore } from './rotation.store.js';
import { SystemIntents } from './system-intent.js';

export const SCHEDULER_SUBJECT = 'system:scheduler';

/** Due rotations taken per look; the rest wait for the next tick. */
const BATCH = 50;

/**
 * Runs scheduled rotations and ends two-phase grace periods. Every replica may run it: a slot
 * is taken by moving the record to its next slot with an update conditional on the slot it saw,
 * so of replicas that saw the same slot exactly one rotates (PostgreSQL and SQLite alike). A run
 * goes through the same rotate path as the API, with the stored policy's generators, audited
 * under `system:scheduler`. A failure is retried with exponential backoff and announced as
 * `rotation.failed`. A replica killed after taking a slot loses that one run; the next slot
 * stands.
 */
@Injectable()
export class RotationScheduler implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger: Logger;
  private readonly task: PeriodicTask;

  constructor(
    private readonly store: RotationStore,
    private readonly writes: SecretSystemWrites,
    private readonly intents: SystemIntents,
    private readonly gracePeriods: GracePeriods,
    private readonly metrics: MetricsService,
    @Inject(APP_CONFIG) private readonly config: Pick<AppConfig, 'rotation'>,
    @Inject(ROOT_LOGGER) rootLogger: Logger,
    private readonly clock: Clock,
  ) {
    this.logger = rootLogger.child({ component: 'rotation-scheduler' });
    this.task = new PeriodicTask(
      () => this.runDue(new Date(this.clock.now())),
      (error) => this.logger.warn({ err: error }, 'scheduler tick failed'),
    );
  }

  onApplicationBootstrap(): void {
    if (this.config.rotation.schedulerEnabled) this.task.start(this.config.rotation.tickSeconds);
  }

  onModuleDestroy(): Promise<void> {
    return this.stop();
  }

  /** No new runs; resolves once the one under way (if any) has finished. */
  stop(): Promise<void> {
    return this.task.stop();
  }

  /** One look for due work at the clock's time, after any look under way (which may have read an earlier time). */
  tick(): Promise<void> {
    return this.task.runNext();
  }

  private async runDue(now: Date): Promise<void> {
    for (const record of await this.store.dueRotations(now, BATCH)) {
      if (this.task.isStopped) return;
      await this.runSlot(record, now);
    }
    for (const record of await this.gracePeriods.due(BATCH)) {
      await this.gracePeriods.finish(schedulerActor(), record);
    }
  }

  private async runSlot(record: SecretRecordEntity, now: Date): Promise<void> {
    const slot = record.nextRotationAt;
    if (slot === null) return;
    if (slot.getTime() + jitterMs(record.id, slot, this.config.rotation.jitterSeconds) > now.getTime()) return;
    const policy = record.rotationPolicy;
    const next = policy && isScheduled(policy) ? nextRotationAt(policy, slot, now) : null;
    if (!(await this.store.claimRotation(record, slot, next))) return;
    if (!policy || !isScheduled(policy)) return;
    const target = { namespace: record.namespace, name: record.name };
    const actor = schedulerActor();
    try {
      const reason = `scheduled rotation (slot ${slot.toISOString()})`;
      await this.intents.run({ actor, action: 'rotate', target, reason }, () =>
        this.writes.rotateDecided(actor, target, reason),
      );
      if (record.rotationFailures > 0) await this.store.rotationSucceeded(record);
      this.metrics.countScheduledRotation(true);
    } catch (error) {
      this.metrics.countScheduledRotation(false);
      const reason = toDomainError(error).message;
      const retry = retryAt(
        new Date(this.clock.now()),
        record.rotationFailures + 1,
        this.config.rotation.retryBaseSeconds,
      );
      const failures = await this.store.rotationFailed(record, retry, {
        type: 'rotation.failed',
        ...target,
        subject: SCHEDULER_SUBJECT,
        details: { reason, retryAt: retry.toISOString() },
      });
      this.logger.warn({ ...target, reason, failures, retryAt: retry }, 'scheduled rotation failed');
    }
  }
}

/** The scheduler's actor for one run; the request id names the process, so the audit trail shows which replica ran it. */
function schedulerActor(): Actor {
  return systemActor(SCHEDULER_SUBJECT, `scheduler-${process.pid}-${randomUUID()}`);
}
