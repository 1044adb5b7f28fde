import { Column, CreateDateColumn, Entity, Index, PrimaryColumn } from 'typeorm';

export type GrantSourceKind = 'access-request';

@Entity({ name: 'grants' })
export class GrantEntity {
  @PrimaryColumn({ type: 'varchar', length: 36 })
  id: string;

  @Index('idx_grants_subject')
  @Column({ type: 'varchar', length: 320 })
  subject: string;

  @Column({ name: 'role_name', type: 'varchar', length: 63 })
  roleName: string;

  @Column({ type: 'varchar', length: 63 })
  namespace: string;

  @Column({ name: 'name_pattern', type: 'varchar', length: 253 })
  namePattern: string;

  /** When it starts applying; null: at once. */
  @Column({ name: 'not_before', type: Date, nullable: true })
  notBefore: Date | null;

  @Column({ name: 'expires_at', type: Date, nullable: true })
  expiresAt: Date | null;

  /** What made it: null by hand, `access-request` for an approved request (`sourceId` its id). */
  @Column({ name: 'source_kind', type: 'varchar', length: 32, nullable: true })
  sourceKind: GrantSourceKind | null;

  @Column({ name: 'source_id', type: 'varchar', length: 36, nullable: true })
  sourceId: string | null;

  @Column({ type: 'varchar', length: 1024, nullable: true })
  reason: string | null;

  /** The longest lease (seconds) this grant allows; null: no cap beyond the broker's own. */
  @Column({ name: 'max_lease_ttl_seconds', type: 'integer', nullable: true })
  maxLeaseTtlSeconds: number | null;

  @Column({ name: 'created_by', type: 'varchar', length: 320 })
  createdBy: string;

  @CreateDateColumn({ name: 'created_at' })
  createdAt: Date;
}
