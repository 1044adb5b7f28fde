import { Inject, Injectable, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { DataSource, In, IsNull, type EntityManager } from 'typeorm';
import { AuditService } from '../audit/audit.service.js';
import { systemActor } from '../common/actor.js';
import { ROOT_LOGGER } from '../common/logging/logger.js';
import { PeriodicTask } from '../common/scheduling/periodic-task.js';
import type { AppConfig } from '../config/app-config.js';
import { APP_CONFIG } from '../config/config.module.js';
import { LifecycleEventEntity } from './entities/lifecycle-event.entity.js';
import { WebhookDeliveryEntity } from './entities/webhook-delivery.entity.js';
import { WebhookSubscriptionEntity } from './entities/webhook-subscription.entity.js';
import { LIVE_EVENTS_CHANNEL, LiveEvents, toWire } from './live-events.js';
import { SubscriptionCoverage } from './subscription-coverage.js';
import { WebhookSender } from './webhook-sender.js';
import { subscriptionMatches, webhookPayloadOf, type LifecycleEventFacts } from './webhook-rules.js';
import { Clock } from '../common/time/clock.js';

const BATCH_SIZE = 100;

/**
 * Reads the outbox: each undispatched event, once across replicas (PostgreSQL: rows claimed with
 * FOR UPDATE SKIP LOCKED; SQLite: one process), becomes a delivery for every subscription that
 * matches it and a live event, in one transaction with its `dispatched_at` mark. A crash before
 * the commit leaves the event undispatched for the next pass; nothing is lost or doubled
 * (deliveries are unique per subscription and event).
 */
@Injectable()
export class OutboxDispatcher implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly task: PeriodicTask;
  private readonly logger: Logger;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly live: LiveEvents,
    private readonly sender: WebhookSender,
    private readonly coverage: SubscriptionCoverage,
    private readonly audit: AuditService,
    @Inject(APP_CONFIG) private readonly config: Pick<AppConfig, 'webhooks'>,
    @Inject(ROOT_LOGGER) rootLogger: Logger,
    private readonly clock: Clock,
  ) {
    this.logger = rootLogger.child({ component: 'outbox-dispatcher' });
    this.task = new PeriodicTask(
      () => this.dispatchAll(),
      (error) => this.logger.error({ err: error }, 'outbox dispatch failed'),
    );
  }

  onApplicationBootstrap(): void {
    this.task.start(this.config.webhooks.dispatchSeconds);
  }

  onModuleDestroy(): Promise<void> {
    return this.task.stop();
  }

  /** Dispatches batches until the outbox has nothing undispatched (that this replica could claim). */
  async dispatchAll(): Promise<void> {
    let dispatched: number;
    do {
      dispatched = await this.dispatchBatch();
      if (dispatched > 0) this.sender.wake();
    } while (dispatched === BATCH_SIZE);
  }

  private async dispatchBatch(): Promise<number> {
    const { events, suspended } = await this.dataSource.transaction(async (manager) => {
      const claimed = await this.claim(manager);
      if (claimed.length === 0) return { events: [], suspended: [] };
      const facts = claimed.map(factsOf);
      const holders = new Map(claimed.map((row) => [row.id, leaseHolderOf(row)]));
      const now = new Date(this.clock.now());
      const subscriptions = await manager.getRepository(WebhookSubscriptionEntity).findBy({ suspendedAt: IsNull() });
      const lapsed: Array<{ subscription: WebhookSubscriptionEntity; reason: string }> = [];
      const deliveries = subscriptions.flatMap((subscription) => {
        const grants = this.coverage.grantsOf(subscription);
        const reason = this.coverage.lapsed(subscription, grants);
        if (reason) {
          lapsed.push({ subscription, reason });
          return [];
        }
        return facts
          .filter((event) => subscriptionMatches(subscription, event, now))
          .filter((event) => this.coverage.sees(subscription, grants, event, holders.get(event.id)))
          .map((event) => deliveryOf(subscription, event, now));
      });
      for (const { subscription, reason } of lapsed) await suspend(manager, subscription, reason, now);
      if (deliveries.length > 0) await manager.getRepository(WebhookDeliveryEntity).insert(deliveries);
      await manager
        .getRepository(LifecycleEventEntity)
        .update({ sequence: In(claimed.map((event) => event.sequence)) }, { dispatchedAt: now });
      if (this.live.announcesOnChannel) {
        for (const event of facts)
          await manager.query('SELECT pg_notify($1, $2)', [LIVE_EVENTS_CHANNEL, toWire(event)]);
      }
      return { events: facts, suspended: lapsed };
    });
    if (!this.live.announcesOnChannel) this.live.published(events);
    for (const { subscription, reason } of suspended) await this.auditSuspension(subscription, reason);
    return events.length;
  }

  /** Recorded after the commit (the audit trail has its own writer); a failed write is logged, the suspension stands. */
  private async auditSuspension(subscription: WebhookSubscriptionEntity, reason: string): Promise<void> {
    this.logger.warn(
      { webhookId: subscription.id, owner: subscription.createdBy, reason },
      'webhook subscription suspended',
    );
    try {
      await this.audit.record({
        actor: systemActor(DISPATCHER_SUBJECT, `webhook-suspend-${randomUUID()}`),
        action: 'webhooks:manage',
        outcome: 'succeeded',
        target: { namespace: subscription.namespace, name: subscription.namePattern },
        reason: `subscription suspended: ${reason}`,
        details: { operation: 'suspend_webhook', webhookId: subscription.id, owner: subscription.createdBy },
      });
    } catch (error) {
      this.logger.error({ err: error, webhookId: subscription.id }, 'could not audit a webhook suspension');
    }
  }

  private claim(manager: EntityManager): Promise<LifecycleEventEntity[]> {
    const repository = manager.getRepository(LifecycleEventEntity);
    if (this.dataSource.options.type !== 'postgres') {
      return repository.find({ where: { dispatchedAt: IsNull() }, order: { sequence: 'ASC' }, take: BATCH_SIZE });
    }
    return repository
      .createQueryBuilder('event')
      .where('event.dispatched_at IS NULL')
      .orderBy('event.sequence', 'ASC')
      .limit(BATCH_SIZE)
      .setLock('pessimistic_write')
      .setOnLocked('skip_locked')
      .getMany();
  }
}

const DISPATCHER_SUBJECT = 'system:webhook-dispatcher';

function deliveryOf(subscription: WebhookSubscriptionEntity, event: LifecycleEventFacts, now: Date) {
  return {
    id: randomUUID(),
    subscriptionId: subscription.id,
    eventId: event.id,
    eventType: event.type,
    payload: webhookPayloadOf(event),
    state: 'pending' as const,
    attempts: 0,
    nextAttemptAt: now,
    lastStatusCode: null,
    lastError: null,
    attemptLog: [],
    deliveredAt: null,
    // Set here rather than by the column default, which on SQLite keeps whole seconds: the log lists newest first.
    createdAt: now,
  };
}

/** Suspends the subscription, and gives up what it still had pending. */
async function suspend(
  manager: EntityManager,
  subscription: WebhookSubscriptionEntity,
  reason: string,
  now: Date,
): Promise<void> {
  await manager
    .getRepository(WebhookSubscriptionEntity)
    .update({ id: subscription.id }, { suspendedAt: now, suspendedReason: reason.slice(0, 256) });
  await manager
    .getRepository(WebhookDeliveryEntity)
    .update(
      { subscriptionId: subscription.id, state: 'pending' },
      { state: 'failed', nextAttemptAt: null, lastError: 'subscription suspended' },
    );
}

/** Who holds the lease a `lease.*` event is about (recorded with the event since this version). */
function leaseHolderOf(row: LifecycleEventEntity): string | undefined {
  const holder = row.details?.holder;
  return typeof holder === 'string' ? holder : undefined;
}

function factsOf(row: LifecycleEventEntity): LifecycleEventFacts {
  return {
    id: row.id,
    type: row.type,
    namespace: row.namespace,
    name: row.name,
    version: row.version,
    subject: row.subject,
    occurredAt: row.occurredAt,
    ...(typeof row.details?.accessRequestId === 'string' ? { accessRequestId: row.details.accessRequestId } : {}),
  };
}
