import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/**
 * `pending`: recorded, token not yet issued (a crash here leaves a row the sweeper ends at expiry);
 * `active`: issued; `expiring`: claimed by one replica's sweeper; `revoked`, `expired`: ended.
 */
export const LEASE_STATES = ['pending', 'active', 'expiring', 'revoked', 'expired'] as const;
export type LeaseState = (typeof LEASE_STATES)[number];

@Entity({ name: 'leases' })
@Index('idx_leases_state_expires', ['state', 'expiresAt'])
@Index('idx_leases_created', ['createdAt', 'id'])
export class LeaseEntity {
  @PrimaryColumn({ type: 'varchar', length: 36 })
  id: string;

  /** Who leased the token. */
  @Index('idx_leases_subject')
  @Column({ type: 'varchar', length: 320 })
  subject: string;

  @Column({ type: 'varchar', length: 63 })
  namespace: string;

  @Column({ name: 'service_account', type: 'varchar', length: 253 })
  serviceAccount: string;

  @Column({ type: 'simple-json' })
  audiences: string[];

  @Column({ type: 'varchar', length: 1024, nullable: true })
  reason: string | null;

  /** The leaser's subject and groups when it leased; null on rows from before they were kept. */
  @Column({ name: 'leaser_subjects', type: 'simple-json', nullable: true })
  leaserSubjects: string[] | null;

  @Column({ type: 'varchar', length: 16 })
  state: LeaseState;

  /** The Secret the token is bound to: deleting it invalidates the token. */
  @Column({ name: 'owner_name', type: 'varchar', length: 253 })
  ownerName: string;

  @Column({ name: 'owner_uid', type: 'varchar', length: 64, nullable: true })
  ownerUid: string | null;

  /** SHA-256 of the token, hex: lets a holder of the token find its lease; never the token. */
  @Column({ name: 'token_fingerprint', type: 'varchar', length: 64, nullable: true })
  tokenFingerprint: string | null;

  // Set by the broker, not the database, so cursors compare the same milliseconds on both drivers.
  @Column({ name: 'created_at', type: Date })
  createdAt: Date;

  /** When the lease ends; the token's own expiry is later when the lease is under the cluster's minimum. */
  @Column({ name: 'expires_at', type: Date })
  expiresAt: Date;

  @Column({ name: 'token_expires_at', type: Date, nullable: true })
  tokenExpiresAt: Date | null;

  @Column({ name: 'ended_at', type: Date, nullable: true })
  endedAt: Date | null;

  @Column({ name: 'ended_by', type: 'varchar', length: 320, nullable: true })
  endedBy: string | null;

  /** The sweeper run that claimed the row, so each expiry is handled by one replica. */
  @Column({ name: 'claimed_by', type: 'varchar', length: 36, nullable: true })
  claimedBy: string | null;

  @Column({ name: 'claimed_at', type: Date, nullable: true })
  claimedAt: Date | null;
}
