import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/** `pending` until resolved; every other state is terminal and never changes. */
export const ACCESS_REQUEST_STATES = ['pending', 'approved', 'denied', 'withdrawn', 'expired', 'invalidated'] as const;
export type AccessRequestState = (typeof ACCESS_REQUEST_STATES)[number];

export const POST_REVIEW_OUTCOMES = ['acknowledged', 'flagged'] as const;
export type PostReviewOutcome = (typeof POST_REVIEW_OUTCOMES)[number];

/** A subject's request for a role on a scope, for a time; kept for ever, whatever became of it. */
@Entity({ name: 'access_requests' })
@Index('idx_access_requests_state_expires', ['state', 'expiresAt'])
@Index('idx_access_requests_created', ['createdAt', 'id'])
export class AccessRequestEntity {
  @PrimaryColumn({ type: 'varchar', length: 36 })
  id: string;

  @Column({ name: 'policy_name', type: 'varchar', length: 63 })
  policyName: string;

  @Index('idx_access_requests_requester')
  @Column({ type: 'varchar', length: 320 })
  requester: string;

  /** The requester's subjects (its groups included) when it asked: eligibility is checked against these. */
  @Column({ name: 'requester_subjects', type: 'simple-json' })
  requesterSubjects: string[];

  @Column({ type: 'varchar', length: 63 })
  namespace: string;

  @Column({ name: 'name_pattern', type: 'varchar', length: 253 })
  namePattern: string;

  @Column({ type: 'varchar', length: 63 })
  role: string;

  @Column({ name: 'duration_seconds', type: 'integer' })
  durationSeconds: number;

  @Column({ type: 'varchar', length: 1024, nullable: true })
  reason: string | null;

  @Column({ name: 'start_at', type: Date, nullable: true })
  startAt: Date | null;

  @Column({ name: 'break_glass', type: 'boolean', default: false })
  breakGlass: boolean;

  @Column({ type: 'varchar', length: 16 })
  state: AccessRequestState;

  @Column({ name: 'approvals_required', type: 'integer' })
  approvalsRequired: number;

  @Column({ name: 'created_at', type: Date })
  createdAt: Date;

  /** While pending: when it expires unanswered. */
  @Column({ name: 'expires_at', type: Date })
  expiresAt: Date;

  @Column({ name: 'resolved_at', type: Date, nullable: true })
  resolvedAt: Date | null;

  @Column({ name: 'resolved_by', type: 'varchar', length: 320, nullable: true })
  resolvedBy: string | null;

  @Column({ name: 'resolution_reason', type: 'varchar', length: 1024, nullable: true })
  resolutionReason: string | null;

  @Column({ name: 'grant_id', type: 'varchar', length: 36, nullable: true })
  grantId: string | null;

  @Column({ name: 'grant_not_before', type: Date, nullable: true })
  grantNotBefore: Date | null;

  @Column({ name: 'grant_expires_at', type: Date, nullable: true })
  grantExpiresAt: Date | null;

  @Column({ name: 'revoked_at', type: Date, nullable: true })
  revokedAt: Date | null;

  @Column({ name: 'revoked_by', type: 'varchar', length: 320, nullable: true })
  revokedBy: string | null;

  @Column({ name: 'revoke_reason', type: 'varchar', length: 1024, nullable: true })
  revokeReason: string | null;

  @Column({ name: 'post_review_outcome', type: 'varchar', length: 16, nullable: true })
  postReviewOutcome: PostReviewOutcome | null;

  @Column({ name: 'post_reviewed_by', type: 'varchar', length: 320, nullable: true })
  postReviewedBy: string | null;

  @Column({ name: 'post_reviewed_at', type: Date, nullable: true })
  postReviewedAt: Date | null;

  @Column({ name: 'post_review_reason', type: 'varchar', length: 1024, nullable: true })
  postReviewReason: string | null;
}
