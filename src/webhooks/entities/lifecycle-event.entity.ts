import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';
import type { LifecycleEventDetails, LifecycleEventType } from '../../lifecycle-events/lifecycle-events.js';

/** One row of the lifecycle outbox (written with the change; delivered afterwards, in `sequence` order). */
@Entity({ name: 'lifecycle_events' })
export class LifecycleEventEntity {
  /** Commit order of the outbox, assigned on insert; order by it in SQL (PostgreSQL returns a bigint as text). */
  @PrimaryGeneratedColumn('increment', { type: 'bigint' })
  sequence: string;

  /** The event's own id: a subscriber deduplicates redeliveries by it (`webhook-id`). */
  @Column({ type: 'varchar', length: 36, unique: true })
  id: string;

  @Column({ type: 'varchar', length: 32 })
  type: LifecycleEventType;

  @Column({ type: 'varchar', length: 63 })
  namespace: string;

  @Column({ type: 'varchar', length: 253 })
  name: string;

  @Column({ type: 'integer', nullable: true })
  version: number | null;

  @Column({ type: 'varchar', length: 320 })
  subject: string;

  @Column({ type: 'simple-json', nullable: true })
  details: LifecycleEventDetails | null;

  @Column({ name: 'occurred_at', type: Date })
  occurredAt: Date;

  /** When the event was fanned out to webhook deliveries and live subscribers; null until then. */
  @Column({ name: 'dispatched_at', type: Date, nullable: true })
  dispatchedAt: Date | null;
}
