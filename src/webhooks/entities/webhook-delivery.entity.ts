import { Column, CreateDateColumn, Entity, Index, PrimaryColumn, Unique } from 'typeorm';
import type { LifecycleEventType } from '../../lifecycle-events/lifecycle-events.js';

/** `pending` until a 2xx answer (`delivered`) or the last allowed attempt failed (`failed`). */
export type DeliveryState = 'pending' | 'delivered' | 'failed';

/** One attempt, as the delivery log shows it. */
export interface DeliveryAttempt {
  readonly at: string;
  readonly statusCode: number | null;
  readonly error: string | null;
  readonly durationMs: number;
}

/** One event for one subscription: its fixed body, and how its delivery went so far. */
@Entity({ name: 'webhook_deliveries' })
@Unique('uq_webhook_deliveries_subscription_event', ['subscriptionId', 'eventId'])
@Index('ix_webhook_deliveries_due', ['state', 'nextAttemptAt'])
export class WebhookDeliveryEntity {
  @PrimaryColumn({ type: 'varchar', length: 36 })
  id: string;

  @Column({ name: 'subscription_id', type: 'varchar', length: 36 })
  subscriptionId: string;

  /** The lifecycle event's id, sent as `webhook-id` on every attempt (receivers deduplicate by it). */
  @Column({ name: 'event_id', type: 'varchar', length: 36 })
  eventId: string;

  @Column({ name: 'event_type', type: 'varchar', length: 32 })
  eventType: LifecycleEventType;

  /** The JSON body, fixed at fan-out so every attempt sends (and signs) the same bytes. */
  @Column({ type: 'text' })
  payload: string;

  @Column({ type: 'varchar', length: 16 })
  state: DeliveryState;

  @Column({ type: 'integer' })
  attempts: number;

  /** When the next attempt is due; while one is in flight, when its claim lapses. Null once settled. */
  @Column({ name: 'next_attempt_at', type: Date, nullable: true })
  nextAttemptAt: Date | null;

  @Column({ name: 'last_status_code', type: 'integer', nullable: true })
  lastStatusCode: number | null;

  @Column({ name: 'last_error', type: 'varchar', length: 1024, nullable: true })
  lastError: string | null;

  /** The most recent attempts, newest last (bounded). */
  @Column({ name: 'attempt_log', type: 'simple-json' })
  attemptLog: DeliveryAttempt[];

  @Column({ name: 'delivered_at', type: Date, nullable: true })
  deliveredAt: Date | null;

  @CreateDateColumn({ name: 'created_at' })
  createdAt: Date;
}
