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
