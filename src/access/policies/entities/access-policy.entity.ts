import { Column, Entity, PrimaryColumn } from 'typeorm';

/** Who may ask for which roles on a scope, for how long at most, and how many approvals it takes. */
@Entity({ name: 'access_policies' })
export class AccessPolicyEntity {
  @PrimaryColumn({ type: 'varchar', length: 63 })
  name: string;

  @Column({ type: 'varchar', length: 63 })
  namespace: string;

  @Column({ name: 'name_pattern', type: 'varchar', length: 253 })
  namePattern: string;

  @Column({ type: 'simple-json' })
  roles: string[];

  /** Subjects (`user:`, `group:`, `serviceaccount:`) who may ask. */
  @Column({ type: 'simple-json' })
  requesters: string[];

  @Column({ name: 'approvals_required', type: 'integer' })
  approvalsRequired: number;

  @Column({ name: 'max_duration_seconds', type: 'integer' })
  maxDurationSeconds: number;

  /** How long a request may wait for its approvals. */
  @Column({ name: 'pending_ttl_seconds', type: 'integer' })
  pendingTtlSeconds: number;

  @Column({ name: 'require_reason', type: 'boolean', default: false })
  requireReason: boolean;

  /** Subjects who may take the access at once (break-glass); null: nobody. */
  @Column({ name: 'break_glass_subjects', type: 'simple-json', nullable: true })
  breakGlassSubjects: string[] | null;

  @Column({ name: 'break_glass_max_duration_seconds', type: 'integer', nullable: true })
  breakGlassMaxDurationSeconds: number | null;

  @Column({ name: 'created_by', type: 'varchar', length: 320 })
  createdBy: string;

  @Column({ name: 'created_at', type: Date })
  createdAt: Date;

  @Column({ name: 'updated_at', type: Date })
  updatedAt: Date;
}
