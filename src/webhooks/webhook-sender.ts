import { Inject, Injectable, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { Logger } from 'pino';
import { Webhook } from 'standardwebhooks';
import { DataSource, In, LessThanOrEqual, type EntityManager } from 'typeorm';
import { ROOT_LOGGER } from '../common/logging/logger.js';
import type { AppConfig } from '../config/app-config.js';
import { APP_CONFIG } from '../config/config.module.js';
import { MetricsService } from '../metrics/metrics.service.js';
import { WebhookDeliveryEntity, type DeliveryAttempt } from './entities/webhook-delivery.entity.js';
import { WebhookSubscriptionEntity } from './entities/webhook-subscription.entity.js';
import { SigningSecrets } from './signing-secrets.js';
import { retryDelaySeconds } from './webhook-rules.js';
import { Clock } from '../common/time/clock.js';
import { PeriodicTask } from '../common/scheduling/periodic-task.js';

const BATCH_SIZE = 20;
/** Attempts kept in a delivery's log. */
export const ATTEMPT_LOG_LENGTH = 20;
const MAX_ERROR_LENGTH = 512;

interface AttemptResult {
  readonly statusCode: number | null;
  readonly error: string | null;
}

/**
 * Sends due deliveries: each claimed once across replicas (PostgreSQL: FOR UPDATE SKIP LOCKED,
 * and the claim pushes `next_attempt_at` past the attempt's timeout, so a replica that dies
 * mid-attempt only delays it), POSTed with the Standard Webhooks headers, without following
 * redirects, with a timeout. A 2xx answer delivers it; anything else is retried with exponential
 * backoff until WEBHOOK_MAX_ATTEMPTS, then it is `failed` (and may be redelivered on request).
 */
@Injectable()
export class WebhookSender implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly task: PeriodicTask;
  private readonly logger: Logger;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly secrets: SigningSecrets,
    @Inject(MetricsService) private readonly metrics: Pick<MetricsService, 'countWebhookAttempt'>,
    @Inject(APP_CONFIG) private readonly config: Pick<AppConfig, 'webhooks'>,
    @Inject(ROOT_LOGGER) rootLogger: Logger,
    private readonly clock: Clock,
  ) {
    this.logger = rootLogger.child({ component: 'webhook-sender' });
    this.task = new PeriodicTask(
      () => this.sendDue(),
      (error) => this.logger.error({ err: error }, 'webhook delivery pass failed'),
    );
  }

  onApplicationBootstrap(): void {
    this.task.start(this.config.webhooks.tickSeconds);
  }

  onModuleDestroy(): Promise<void> {
    return this.task.stop();
  }

  /** Looks for due deliveries now (after a dispatch or a redelivery request), or right after the current pass. */
  wake(): void {
    void this.task.runNext();
  }

  private async sendDue(): Promise<void> {
    let claimed: WebhookDeliveryEntity[];
    do {
      claimed = await this.claim();
      await Promise.all(claimed.map((delivery) => this.attempt(delivery)));
    } while (claimed.length === BATCH_SIZE && !this.task.isStopped);
  }

  private claim(): Promise<WebhookDeliveryEntity[]> {
    return this.dataSource.transaction(async (manager) => {
      const now = new Date(this.clock.now());
      const due = await this.findDue(manager, now);
      if (due.length === 0) return [];
      // Twice the timeout: the attempt is over (one way or the other) before the claim lapses.
      const claimUntil = new Date(now.getTime() + 2 * this.config.webhooks.timeoutSeconds * 1000);
      await manager
        .getRepository(WebhookDeliveryEntity)
        .update({ id: In(due.map((delivery) => delivery.id)) }, { nextAttemptAt: claimUntil });
      return due;
    });
  }

  private findDue(manager: EntityManager, now: Date): Promise<WebhookDeliveryEntity[]> {
    const repository = manager.getRepository(WebhookDeliveryEntity);
    if (this.dataSource.options.type !== 'postgres') {
      return repository.find({
        where: { state: 'pending', nextAttemptAt: LessThanOrEqual(now) },
        order: { nextAttemptAt: 'ASC' },
        take: BATCH_SIZE,
      });
    }
    return repository
      .createQueryBuilder('delivery')
      .where('delivery.state = :state AND delivery.next_attempt_at <= :now', { state: 'pending', now })
      .orderBy('delivery.next_attempt_at', 'ASC')
      .limit(BATCH_SIZE)
      .setLock('pessimistic_write')
      .setOnLocked('skip_locked')
      .getMany();
  }

  private async attempt(delivery: WebhookDeliveryEntity): Promise<void> {
    const subscription = await this.dataSource.getRepository(WebhookSubscriptionEntity).findOneBy({
      id: delivery.subscriptionId,
    });
    // Deleted meanwhile: its deliveries went with it.
    if (!subscription) return;
    const started = performance.now();
    const secret = this.signingSecretOf(subscription);
    const result = secret.ok
      ? await this.post(subscription.url, secret.value, delivery)
      : { statusCode: null, error: secret.error };
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

  private async post(url: string, secret: string, delivery: WebhookDeliveryEntity): Promise<AttemptResult> {
    const timestamp = new Date(this.clock.now());
    const signature = new Webhook(secret).sign(delivery.eventId, timestamp, delivery.payload);
    try {
      const response = await fetch(url, {
        method: 'POST',
        redirect: 'manual',
        signal: AbortSignal.timeout(this.config.webhooks.timeoutSeconds * 1000),
        headers: {
          'content-type': 'application/json',
          'user-agent': 'secrets-broker-webhooks',
          'webhook-id': delivery.eventId,
          'webhook-timestamp': String(Math.floor(timestamp.getTime() / 1000)),
          'webhook-signature': signature,
        },
        body: delivery.payload,
      });
      // The answer's body is of no use; release the connection.
      await response.body?.cancel().catch(() => undefined);
      if (response.status >= 200 && response.status < 300) return { statusCode: response.status, error: null };
      const error =
        response.status >= 300 && response.status < 400
          ? `redirect (${response.status}) not followed`
          : `answered ${response.status}`;
      return { statusCode: response.status, error };
    } catch (error) {
      return { statusCode: null, error: describeFailure(error) };
    }
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

/** Why a request failed, without echoing anything the receiver sent. */
function describeFailure(error: unknown): string {
  if (error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError')) return 'timed out';
  const cause = error instanceof Error ? (error.cause as { code?: unknown } | undefined) : undefined;
  const code = typeof cause?.code === 'string' ? cause.code : undefined;
  const message = error instanceof Error ? error.message : 'request failed';
  return (code ? `${message} (${code})` : message).slice(0, MAX_ERROR_LENGTH);
}
