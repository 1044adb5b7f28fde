import type { AccessRequestReviewEntity } from './entities/access-request-review.entity.js';
import type { AccessRequestEntity } from './entities/access-request.entity.js';
import {
  AccessRequestGrantView,
  AccessRequestReviewView,
  AccessRequestView,
  PostReviewView,
} from './models/access-request.model.js';

/** What is computed about a request at the time it is shown. */
export interface Assessment {
  readonly approvals: number;
  readonly eligibleApprovers: readonly string[];
  readonly effectiveDurationSeconds: number;
  readonly now: Date;
}

/** Mapping from a request and its reviews to the API view, shared by REST and GraphQL. */
export function toAccessRequestView(
  request: AccessRequestEntity,
  reviews: readonly AccessRequestReviewEntity[],
  assessment: Assessment,
  dryRun = false,
): AccessRequestView {
  return Object.assign(new AccessRequestView(), {
    id: request.id,
    dryRun,
    policy: request.policyName,
    requester: request.requester,
    namespace: request.namespace,
    namePattern: request.namePattern,
    role: request.role,
    durationSeconds: request.durationSeconds,
    effectiveDurationSeconds: assessment.effectiveDurationSeconds,
    reason: request.reason,
    startAt: request.startAt,
    breakGlass: request.breakGlass,
    state: request.state,
    approvalsRequired: request.approvalsRequired,
    approvals: assessment.approvals,
    eligibleApprovers: [...assessment.eligibleApprovers],
    reviews: reviews.map(toReviewView),
    createdAt: request.createdAt,
    expiresAt: request.expiresAt,
    resolvedAt: request.resolvedAt,
    resolvedBy: request.resolvedBy,
    resolutionReason: request.resolutionReason,
    grant: grantOf(request, assessment.now),
    postReview:
      request.postReviewOutcome && request.postReviewedBy && request.postReviewedAt
        ? Object.assign(new PostReviewView(), {
            outcome: request.postReviewOutcome,
            reviewer: request.postReviewedBy,
            reason: request.postReviewReason,
            createdAt: request.postReviewedAt,
          })
        : undefined,
  });
}

function toReviewView(review: AccessRequestReviewEntity): AccessRequestReviewView {
  return Object.assign(new AccessRequestReviewView(), {
    reviewer: review.reviewer,
    decision: review.decision,
    reason: review.reason,
    maxDurationSeconds: review.maxDurationSeconds,
    createdAt: review.createdAt,
  });
}

function grantOf(request: AccessRequestEntity, now: Date): AccessRequestGrantView | undefined {
  if (!request.grantId || !request.grantNotBefore || !request.grantExpiresAt) return undefined;
  const ends =
    request.revokedAt !== null && request.revokedAt < request.grantExpiresAt
      ? request.revokedAt
      : request.grantExpiresAt;
  return Object.assign(new AccessRequestGrantView(), {
    id: request.grantId,
    notBefore: request.grantNotBefore,
    expiresAt: request.grantExpiresAt,
    active: request.grantNotBefore <= now && now < ends,
    revokedAt: request.revokedAt,
    revokedBy: request.revokedBy,
    revokeReason: request.revokeReason,
  });
}
