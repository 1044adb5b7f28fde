import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

export const REVIEW_DECISIONS = ['approve', 'deny'] as const;
export type ReviewDecision = (typeof REVIEW_DECISIONS)[number];

/** One reviewer's decision on a request: append-only, one per reviewer. */
@Entity({ name: 'access_request_reviews' })
@Index('uq_access_request_reviews_reviewer', ['requestId', 'reviewer'], { unique: true })
export class AccessRequestReviewEntity {
  @PrimaryColumn({ type: 'varchar', length: 36 })
  id: string;

  @Column({ name: 'request_id', type: 'varchar', length: 36 })
  requestId: string;

  @Column({ type: 'varchar', length: 320 })
  reviewer: string;

  /** The reviewer's subjects when it reviewed: whether it still holds `approve` is checked on these. */
  @Column({ name: 'reviewer_subjects', type: 'simple-json' })
  reviewerSubjects: string[];

  @Column({ type: 'varchar', length: 8 })
  decision: ReviewDecision;

  @Column({ type: 'varchar', length: 1024, nullable: true })
  reason: string | null;

  /** The longest access this reviewer agrees to; null: no cap of its own. */
  @Column({ name: 'max_duration_seconds', type: 'integer', nullable: true })
  maxDurationSeconds: number | null;

  @Column({ name: 'created_at', type: Date })
  createdAt: Date;
}
