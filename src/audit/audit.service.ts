import { Inject, Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import type { Logger } from 'pino';
import { Repository } from 'typeorm';
import { DomainError, ErrorCode } from '../common/errors/domain-error.js';
import { toDomainError } from '../common/errors/to-domain-error.js';
import { ROOT_LOGGER } from '../common/logging/logger.js';
import { MetricsService } from '../metrics/metrics.service.js';
import { AlertWebhook } from './alert-webhook.js';
import { AppendQueue } from './append-queue.js';
import { AuditEventStore } from './audit-event.store.js';
import { MUTATION_VERBS, toUnsealedEvent, type AuditEventInput } from './audit-event.js';
import { AuditEventEntity } from './entities/audit-event.entity.js';
import { LegacyChainRekeying } from './legacy-chain.js';
import { toAuditEventView } from './audit-views.js';
import type { AuditEventView } from './models/audit-event.model.js';
import { SuspiciousActivityDetector, type SuspiciousActivity } from './suspicious-activity.detector.js';

/**
 * Writes the audit trail. Fail-closed: `record` resolves only once the event is
 * committed, and throws UNAVAILABLE otherwise, so the caller refuses the operation.
 */
@Injectable()
export class AuditService {
  private readonly queue: AppendQueue;
  private readonly logger: Logger;

  constructor(
    store: AuditEventStore,
    @InjectRepository(AuditEventEntity) private readonly events: Repository<AuditEventEntity>,
    private readonly metrics: MetricsService,
    private readonly detector: SuspiciousActivityDetector,
    private readonly webhook: AlertWebhook,
    private readonly rekeying: LegacyChainRekeying,
    @Inject(ROOT_LOGGER) rootLogger: Logger,
  ) {
    this.queue = new AppendQueue(store);
    this.logger = rootLogger.child({ component: 'audit' });
  }

  async record(input: AuditEventInput): Promise<AuditEventView> {
    const event = await this.append(input);
    if (feedsDetector(input)) await this.detect(input);
    return event;
  }

  /**
   * Runs a change whose intent event is `intentId`, then records its outcome: `succeeded` (with
   * what `describe` adds) or `failed` with the error's message. A failure to record the failed
   * outcome is logged and the original error rethrown; the intent stays open for reconciliation.
   */
  async recordOutcome<T>(
    intent: OutcomeOf,
    work: () => Promise<T>,
    describe: (result: T) => Pick<AuditEventInput, 'target' | 'details'> = () => ({}),
  ): Promise<T> {
    const started = performance.now();
    const latency = () => Math.round(performance.now() - started);
    let result: T;
    try {
      result = await work();
    } catch (error) {
      try {
        await this.record({ ...intent, outcome: 'failed', reason: toDomainError(error).message, latencyMs: latency() });
      } catch (auditError) {
        this.logger.error(
          { err: auditError, requestId: intent.actor.request.requestId },
          'could not audit a failed change',
        );
      }
      throw error;
    }
    await this.record({ ...intent, ...describe(result), outcome: 'succeeded', latencyMs: latency() });
    return result;
  }

  /**
   * Mutation intents (`allowed` create/update/rotate/rollback/revoke) that no later event names as
   * its intentId: the operations a crash may have interrupted, for reconciliation at start.
   */
  async findPendingIntents(): Promise<AuditEventView[]> {
    const rows = await this.events
      .createQueryBuilder('intent')
      .where('intent.outcome = :allowed', { allowed: 'allowed' })
      .andWhere('intent.action IN (:...verbs)', { verbs: MUTATION_VERBS })
      .andWhere('NOT EXISTS (SELECT 1 FROM audit_events outcome WHERE outcome.intent_id = intent.id)')
      .orderBy('intent.id', 'ASC')
      .getMany();
    return rows.map(toAuditEventView);
  }

  /** Resolves once every event recorded so far is committed or has failed (graceful shutdown). */
  drained(): Promise<void> {
    return this.queue.drained();
  }

  private async append(input: AuditEventInput): Promise<AuditEventView> {
    const unsealed = toUnsealedEvent(input, new Date());
    const started = process.hrtime.bigint();
    try {
      await this.rekeying.ready();
      const sealed = await this.queue.append(unsealed);
      this.metrics.observeAuditWrite(elapsedSeconds(started), false);
      return toAuditEventView(sealed);
    } catch (error) {
      this.metrics.observeAuditWrite(elapsedSeconds(started), true);
      this.logger.error({ err: error, requestId: unsealed.requestId, action: unsealed.action }, 'audit write failed');
      throw new DomainError(ErrorCode.Unavailable, 'Audit log unavailable; request refused', { cause: error });
    }
  }

  /**
   * The alert is best effort: the denial that triggered it is already recorded, so failing to
   * write the alert is logged rather than turned into an error for this request.
   */
  private async detect(input: AuditEventInput): Promise<void> {
    const activity = await this.detector.observe(input.actor.subject, input.actor.request.sourceIp ?? null);
    if (!activity) return;
    this.metrics.countSuspiciousActivity();
    try {
      const alert = await this.append(suspiciousEvent(input, activity, this.detector.windowSeconds));
      this.webhook.send(alert);
    } catch (error) {
      this.logger.error({ err: error, by: activity.by }, 'could not record suspicious activity');
    }
  }
}

/** What an outcome event repeats from its intent. */
export type OutcomeOf = Pick<AuditEventInput, 'actor' | 'action' | 'target' | 'details'> & {
  readonly intentId: string;
};

function feedsDetector(input: AuditEventInput): boolean {
  if (input.action === 'suspicious_activity') return false;
  return input.outcome === 'denied' || (input.action === 'authenticate' && input.outcome === 'failed');
}

// No namespace: a burst may span namespaces, so only auditors of everything see these.
function suspiciousEvent(
  trigger: AuditEventInput,
  activity: SuspiciousActivity,
  windowSeconds: number,
): AuditEventInput {
  return {
    actor: trigger.actor,
    action: 'suspicious_activity',
    outcome: 'denied',
    reason: `${activity.count} denied requests or failed authentications within ${windowSeconds}s from ${activity.by} ${activity.value}`,
    details: { by: activity.by, count: activity.count, windowSeconds },
  };
}

function elapsedSeconds(started: bigint): number {
  return Number(process.hrtime.bigint() - started) / 1e9;
}
