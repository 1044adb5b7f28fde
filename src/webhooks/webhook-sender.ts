import { Inject, Injectable, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { Logger } from 'pino';
import { Webhook } from 'standardwebhooks';
import { DataSource, In, type EntityManager } from 'typeorm';
import { ROOT_LOGGER } from '../common/logging/logger.js';
import type { AppConfig } from '../config/app-config.js';
import { APP_CONFIG } from '../config/config.module.js';
import { MetricsService } from '../metrics/metrics.service.js';
import { WebhookDeliveryEntity, type DeliveryAttempt } from './entities/webhook-delivery.entity.js';
import { WebhookSubscriptionEntity } from './entities/webhook-subscription.entity.js';
import { DestinationPolicy } from './destination-policy.js';
import { SigningSecrets } from './signing-secrets.js';
import { retryDelaySeconds } from './webhook-rules.js';
import { Clock } from '../common/time/clock.js';
import { PeriodicTask } from '../common/scheduling/periodic-task.js';
import { postWebhook, type AttemptResult } from './webhook-transport.js';

/** Attempts in flight in one process, all destinations together. */
const MAX_IN_FLIGHT = 32;
/** Attempts in flight to one destination (scheme, host and port), and for one subscriber. */
const MAX_IN_FLIGHT_PER_DESTINATION = 2;
const MAX_IN_FLIGHT_PER_SUBJECT = 8;
/** Attempts kept in a delivery's log. */
export const ATTEMPT_LOG_LENGTH = 20;

interface ClaimedDelivery {
  readonly delivery: WebhookDeliveryEntity;
  readonly subscription: WebhookSubscriptionEntity;
  readonly lanes: readonly string[];
}

/**
 * Sends due deliveries: each claimed once across replicas (PostgreSQL: FOR UPDATE SKIP LOCKED,
 * and the claim pushes `next_attempt_at` past the attempt's timeout, so a replica that dies
 * mid-attempt only delays it), POSTed with the Standard Webhooks headers, without following
 * redirects, with a timeout, to an address the DestinationPolicy allows. A 2xx answer delivers
 * it; anything else is retried with exponential backoff until WEBHOOK_MAX_ATTEMPTS, then it is
 * `failed` (and may be redelivered on request).
 *
 * Attempts run in lanes: each is started as soon as its destination and its subscriber have
 * room, and never waits for another, so receivers that never answer hold up only their own
 * lanes (at most MAX_IN_FLIGHT_PER_SUBJECT of the MAX_IN_FLIGHT slots), not anyone else's.
 */
@Injectable()
export class WebhookSender implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly task: PeriodicTask;
  private readonly inFlight = new Set<Promise<void>>();
  private readonly laneLoad = new Map<string, number>();
  private readonly shutdown = new AbortController();
  private readonly logger: Logger;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly secrets: SigningSecrets,
    private readonly destinations: DestinationPolicy,
    @Inject(MetricsService) private readonly metrics: Pick<MetricsService, 'countWebhookAttempt'>,
    @Inject(APP_CONFIG) private readonly config: Pick<AppConfig, 'webhooks'>,
    @Inject(ROOT_LOGGER) rootLogger: Logger,
    private readonly clock: Clock,
  ) {
    this.logger = rootLogger.child({ component: 'webhook-sender' });
    this.task = new PeriodicTask(
      () => this.startDue(),
      (error) => this.logger.error({ err: error }, 'webhook delivery pass failed'),
    );
  }

  onApplicationBootstrap(): void {
    this.task.start(this.config.webhooks.tickSeconds);
  }

  async onModuleDestroy(): Promise<void> {
    await this.task.stop();
    // Attempts in flight are abandoned, not failed: their claims lapse and they are sent again.
    this.shutdown.abort();
    await Promise.all(this.inFlight);
  }

  /** Looks for due deliveries now (after a dispatch or a redelivery request), or right after the current pass. */
  wake(): void {
    void this.task.runNext();
  }

  private async startDue(): Promise<void> {
    let claimed: ClaimedDelivery[];
    do {
      claimed = await this.claim();
      for (const item of claimed) this.start(item);
    } while (claimed.length > 0 && !this.task.isStopped);
  }

  private start({ delivery, subscription, lanes }: ClaimedDelivery): void {
    for (const lane of lanes) this.laneLoad.set(lane, (this.laneLoad.get(lane) ?? 0) + 1);
    const attempt = this.attempt(delivery, subscription)
      .catch((error: unknown) => this.logger.error({ err: error, deliveryId: delivery.id }, 'webhook attempt failed'))
      .finally(() => {
        this.inFlight.delete(attempt);
        for (const lane of lanes) {
          const load = (this.laneLoad.get(lane) ?? 1) - 1;
          if (load === 0) this.laneLoad.delete(lane);
          else this.laneLoad.set(lane, load);
        }
        this.wake();
      });
    this.inFlight.add(attempt);
  }

  /**
   * Due deliveries whose lanes have room, up to the free slots. Subscriptions whose lanes are
   * full are left out of the query, so their backlog never hides anyone else's due deliveries.
   */
  private claim(): Promise<ClaimedDelivery[]> {
    const free = MAX_IN_FLIGHT - this.inFlight.size;
    if (free <= 0) return Promise.resolve([]);
    return this.dataSource.transaction(async (manager) => {
      const now = new Date(this.clock.now());
      const subscriptions = new Map(
        (await manager.getRepository(WebhookSubscriptionEntity).find()).map((row) => [row.id, row]),
      );
      const load = new Map(this.laneLoad);
      const full = [...subscriptions.values()].filter(
        (row) => row.suspendedAt !== null || !lanesOf(row).every((lane) => hasRoom(load, lane)),
      );
      const due = await this.findDue(
        manager,
        now,
        free,
        full.map((row) => row.id),
      );
      const claimed: ClaimedDelivery[] = [];
      for (const delivery of due) {
        const subscription = subscriptions.get(delivery.subscriptionId);
        // Deleted meanwhile: its deliveries go with it.
        if (!subscription) continue;
        const lanes = lanesOf(subscription);
        if (claimed.length === free || !lanes.every((lane) => hasRoom(load, lane))) continue;
        for (const lane of lanes) load.set(lane, (load.get(lane) ?? 0) + 1);
        claimed.push({ delivery, subscription, lanes });
      }
      if (claimed.length === 0) return [];
      // Twice the timeout: the attempt is over (one way or the other) before the claim lapses.
      const claimUntil = new Date(now.getTime() + 2 * this.config.webhooks.timeoutSeconds * 1000);
      await manager
        .getRepository(WebhookDeliveryEntity)
        .update({ id: In(claimed.map(({ delivery }) => delivery.id)) }, { nextAttemptAt: claimUntil });
      return claimed;
    });
  }

  private findDue(
    manager: EntityManager,
    now: Date,
    limit: number,
    excludedSubscriptions: readonly string[],
  ): Promise<WebhookDeliveryEntity[]> {
    const query = manager
      .getRepository(WebhookDeliveryEntity)
      .createQueryBuilder('delivery')
      .where('delivery.state = :state AND delivery.next_attempt_at <= :now', { state: 'pending', now })
      .orderBy('delivery.next_attempt_at', 'ASC')
      .limit(limit);
    if (excludedSubscriptions.length > 0) {
      query.andWhere('delivery.subscription_id NOT IN (:...excluded)', { excluded: excludedSubscriptions });
    }
    if (this.dataSource.options.type !== 'postgres') return query.getMany();
    return query.setLock('pessimistic_write').setOnLocked('skip_locked').getMany();
  }

  private async attempt(delivery: WebhookDeliveryEntity, subscription: WebhookSubscriptionEntity): Promise<void> {
    const started = performance.now();
    const secret = this.signingSecretOf(subscription);
    const result = secret.ok
      ? await this.post(subscription.url, secret.value, delivery)
      : { statusCode: null, error: secret.error };
    if (this.shutdown.signal.aborted) return;
    await this.settle(delivery, result, Math.round(performance.now() - started));
  }

  /** An unreadable secret (sealed under another key) fails the attempt like any other failure, visibly in the log. */
  private signingSecretOf(
    subscription: WebhookSubscriptionEntity,
  ): { ok: true; value: string } | { ok: false; error: string } {
    if (!subscription.signingSecret) return { ok: false, error: 'the subscription has no signing secret yet' };
    try {
      return { ok: true, value: this.secrets.open(subscription.id, subscription.signingSecret) };
    } catch {
      return { ok: false, error: 'the signing secret cannot be opened with the configured key' };
    }
  }

  private post(url: string, secret: string, delivery: WebhookDeliveryEntity): Promise<AttemptResult> {
    const timestamp = new Date(this.clock.now());
    return postWebhook(this.destinations, {
      url,
      timeoutMs: this.config.webhooks.timeoutSeconds * 1000,
      signal: this.shutdown.signal,
      headers: {
        'content-type': 'application/json',
        'user-agent': 'secrets-broker-webhooks',
        'webhook-id': delivery.eventId,
        'webhook-timestamp': String(Math.floor(timestamp.getTime() / 1000)),
        'webhook-signature': new Webhook(secret).sign(delivery.eventId, timestamp, delivery.payload),
      },
      body: delivery.payload,
    });
  }

  private async settle(delivery: WebhookDeliveryEntity, result: AttemptResult, durationMs: number): Promise<void> {
    const now = new Date(this.clock.now());
    const attempts = delivery.attempts + 1;
    const logEntry: DeliveryAttempt = {
      at: now.toISOString(),
      statusCode: result.statusCode,
      error: result.error,
      durationMs,
    };
    const delivered = result.error === null;
    const exhausted = !delivered && attempts >= this.config.webhooks.maxAttempts;
    this.metrics.countWebhookAttempt(delivered ? 'delivered' : exhausted ? 'failed' : 'retry');
    const nextAttemptAt =
      delivered || exhausted
        ? null
        : new Date(now.getTime() + retryDelaySeconds(attempts, this.config.webhooks.retryBaseSeconds) * 1000);
    await this.dataSource.getRepository(WebhookDeliveryEntity).update(
      { id: delivery.id },
      {
        state: delivered ? 'delivered' : exhausted ? 'failed' : 'pending',
        attempts,
        nextAttemptAt,
        lastStatusCode: result.statusCode,
        lastError: result.error,
        attemptLog: [...delivery.attemptLog, logEntry].slice(-ATTEMPT_LOG_LENGTH),
        deliveredAt: delivered ? now : null,
      },
    );
    if (!delivered) {
      this.logger.info(
        { deliveryId: delivery.id, subscriptionId: delivery.subscriptionId, attempts, error: result.error },
        exhausted ? 'webhook delivery given up' : 'webhook delivery failed; will retry',
      );
    }
  }
}

/** The lanes an attempt occupies: its destination's and its subscriber's. */
function lanesOf(subscription: WebhookSubscriptionEntity): string[] {
  return [`destination:${new URL(subscription.url).host}`, `subject:${subscription.createdBy}`];
}

function hasRoom(load: ReadonlyMap<string, number>, lane: string): boolean {
  const limit = lane.startsWith('destination:') ? MAX_IN_FLIGHT_PER_DESTINATION : MAX_IN_FLIGHT_PER_SUBJECT;
  return (load.get(lane) ?? 0) < limit;
}
