import { Column, CreateDateColumn, Entity, PrimaryColumn, Unique, UpdateDateColumn } from 'typeorm';
import type { RotationPolicy } from '../rotation-policy.js';

/**
 * `revoking`: a revocation was decided and the cluster object may already be deleted; the next
 * access settles it, to `revoked` if the object is gone, back to `active` if it is not.
 */
export type SecretState = 'active' | 'revoking' | 'revoked';

/** The broker's record of a Secret it created or adopted: lifecycle and version pointer. */
@Entity({ name: 'secrets' })
@Unique('uq_secrets_namespace_name', ['namespace', 'name'])
export class SecretRecordEntity {
  @PrimaryColumn({ type: 'varchar', length: 36 })
  id: string;

  @Column({ type: 'varchar', length: 63 })
  namespace: string;

  @Column({ type: 'varchar', length: 253 })
  name: string;

  @Column({ type: 'varchar', length: 16 })
  state: SecretState;

  @Column({ type: 'varchar', length: 128 })
  type: string;

  @Column({ name: 'current_version', type: 'integer', nullable: true })
  currentVersion: number | null;

  @Column({ name: 'rotation_policy', type: 'simple-json', nullable: true })
  rotationPolicy: RotationPolicy | null;

  /** When the next scheduled rotation is due (before jitter); null without a schedule. */
  @Column({ name: 'next_rotation_at', type: Date, nullable: true })
  nextRotationAt: Date | null;

  /** Scheduled rotations that failed in a row (the retry backoff doubles with each). */
  @Column({ name: 'rotation_failures', type: 'integer', default: 0 })
  rotationFailures: number;

  /** A two-phase rotation's grace period: until then the previous values stay in the cluster. */
  @Column({ name: 'grace_ends_at', type: Date, nullable: true })
  graceEndsAt: Date | null;

  /** When the cluster object was found changed outside the broker; null while it matches. */
  @Column({ name: 'drifted_at', type: Date, nullable: true })
  driftedAt: Date | null;

  /** The keys that differed (names only). */
  @Column({ name: 'drifted_keys', type: 'simple-json', nullable: true })
  driftedKeys: string[] | null;

  @Column({ name: 'revoked_at', type: Date, nullable: true })
  revokedAt: Date | null;

  @Column({ name: 'revoked_by', type: 'varchar', length: 320, nullable: true })
  revokedBy: string | null;

  @Column({ name: 'revoke_reason', type: 'varchar', length: 1024, nullable: true })
  revokeReason: string | null;

  @CreateDateColumn({ name: 'created_at' })
  createdAt: Date;

  @UpdateDateColumn({ name: 'updated_at' })
  updatedAt: Date;
}
