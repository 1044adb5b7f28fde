import { Column, CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';
import type { SealedValues } from '../../crypto/envelope-cipher.js';
import type { LifecycleEventType } from '../../lifecycle-events/lifecycle-events.js';

/** A lifecycle webhook: where matching events are POSTed, and the key that signs them. */
@Entity({ name: 'webhook_subscriptions' })
export class WebhookSubscriptionEntity {
  @PrimaryColumn({ type: 'varchar', length: 36 })
  id: string;

  @Column({ type: 'varchar', length: 2048 })
  url: string;

  @Column({ name: 'event_types', type: 'simple-json' })
  eventTypes: LifecycleEventType[];

  /** A namespace, or `*`. */
  @Column({ type: 'varchar', length: 63 })
  namespace: string;

  /** A glob over secret (or ServiceAccount) names, as in grants. */
  @Column({ name: 'name_pattern', type: 'varchar', length: 253 })
  namePattern: string;

  @Column({ type: 'varchar', length: 1024, nullable: true })
  description: string | null;

  /** The `whsec_…` signing secret, sealed under the key-encryption key; null until the broker first seals one. */
  @Column({ name: 'signing_secret', type: 'simple-json', nullable: true })
  signingSecret: SealedValues | null;

  @Column({ name: 'expires_at', type: Date, nullable: true })
  expiresAt: Date | null;

  @Column({ name: 'created_by', type: 'varchar', length: 320 })
  createdBy: string;

  /** The owner's subjects (user and groups) when subscribing, whose grants must keep covering it; null: `createdBy` alone. */
  @Column({ name: 'owner_subjects', type: 'simple-json', nullable: true })
  ownerSubjects: string[] | null;

  /** Set once the owner's grants no longer covered it: nothing more is delivered. */
  @Column({ name: 'suspended_at', type: Date, nullable: true })
  suspendedAt: Date | null;

  @Column({ name: 'suspended_reason', type: 'varchar', length: 256, nullable: true })
  suspendedReason: string | null;

  @CreateDateColumn({ name: 'created_at' })
  createdAt: Date;
}
