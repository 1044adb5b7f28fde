import { Column, CreateDateColumn, Entity, Index, PrimaryColumn, Unique } from 'typeorm';

/** `pending` exists only between storing a new version and the cluster accepting it. */
export type VersionState = 'pending' | 'current' | 'previous' | 'deprecated';
/** The fingerprint scheme new versions are written with. */
export const FINGERPRINT_SCHEME = 2;

/** `restore`: the cluster held a newer version than the records of a database restored from a backup. */
export type VersionReason = 'create' | 'adopt' | 'update' | 'rotate' | 'rollback' | 'restore';

@Entity({ name: 'secret_versions' })
@Unique('uq_secret_versions_secret_version', ['secretId', 'version'])
@Index('idx_secret_versions_state', ['state'])
export class SecretVersionEntity {
  @PrimaryColumn({ type: 'varchar', length: 36 })
  id: string;

  @Column({ name: 'secret_id', type: 'varchar', length: 36 })
  secretId: string;

  @Column({ type: 'integer' })
  version: number;

  @Column({ type: 'varchar', length: 16 })
  state: VersionState;

  @Column({ type: 'varchar', length: 16 })
  reason: VersionReason;

  /** The version whose values a rollback restored. */
  @Column({ name: 'source_version', type: 'integer', nullable: true })
  sourceVersion: number | null;

  @Column({ name: 'created_by', type: 'varchar', length: 320 })
  createdBy: string;

  @Column({ type: 'varchar', length: 1024, nullable: true })
  note: string | null;

  /** Key name → HMAC-SHA-256 fingerprint; never a value. */
  @Column({ type: 'simple-json' })
  fingerprints: Record<string, string>;

  /** 1: under one broker-wide key (re-keyed at start); 2: under a key of this secret's own. */
  @Column({ name: 'fingerprint_scheme', type: 'integer', default: FINGERPRINT_SCHEME })
  fingerprintScheme: number;

  /** Envelope-encrypted values; null once retention dropped them or the secret was revoked. */
  @Column({ name: 'kek_id', type: 'varchar', length: 32, nullable: true })
  kekId: string | null;

  @Column({ name: 'wrapped_data_key', type: 'text', nullable: true })
  wrappedDataKey: string | null;

  @Column({ type: 'text', nullable: true })
  ciphertext: string | null;

  @CreateDateColumn({ name: 'created_at' })
  createdAt: Date;
}
