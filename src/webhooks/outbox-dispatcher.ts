import { Inject, Injectable, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { DataSource, In, IsNull, type EntityManager } from 'typeorm';
import { ROOT_LOGGER } from '../common/logging/logger.js';
import { PeriodicTask } from '../common/scheduling/periodic-task.js';
import type { AppConfig } from '../config/app-config.js';
import { APP_CONFIG } from '../config/config.module.js';
import { LifecycleEventEntity } from './entities/lifecycle-event.entity.js';
import { WebhookDeliveryEntity } from './entities/webhook-delivery.entity.js';
import { WebhookSubscriptionEntity } from './entities/webhook-subscription.entity.js';
import { LIVE_EVENTS_CHANNEL, LiveEvents, toWire } from './live-events.js';
import { WebhookSender } from './webhook-sender.js';
import { subscriptionMatches, webhookPayloadOf, type LifecycleEventFacts } from './webhook-rules.js';

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
    @Inject(APP_CONFIG) private readonly config: Pick<AppConfig, 'webhooks'>,
    @Inject(ROOT_LOGGER) rootLogger: Logger,
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
    const events = await this.dataSource.transaction(async (manager) => {
      const claimed = await this.claim(manager);
      if (claimed.length === 0) return [];
      const facts = claimed.map(factsOf);
      const now = new Date();
      const subscriptions = await manager.getRepository(WebhookSubscriptionEntity).find();
      const deliveries = facts.flatMap((event) =>
        subscriptions
          .filter((subscription) => subscriptionMatches(subscription, event, now))
          .map((subscription) => ({
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
          })),
      );
      if (deliveries.length > 0) await manager.getRepository(WebhookDeliveryEntity).insert(deliveries);
      await manager
        .getRepository(LifecycleEventEntity)
        .update({ sequence: In(claimed.map((event) => event.sequence)) }, { dispatchedAt: now });
      if (this.live.announcesOnChannel) {
        for (const event of facts)
          await manager.query('SELECT pg_notify($1, $2)', [LIVE_EVENTS_CHANNEL, toWire(event)]);
      }
      return facts;
    });
    if (!this.live.announcesOnChannel) this.live.published(events);
    return events.length;
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
