import { GROUP_PREFIX } from '../../common/actor.js';
import { scopeCovers, type Scope } from '../../common/vocabulary/scope.js';

/**
 * Whether a grant over `held` gives authority over the whole of `requested`: the containment rule
 * of grant administration (a namespace `*` is covered only by `*`; a name glob must match every
 * name the requested glob can). Anything it cannot prove covered is not.
 */
export function approvalCovers(held: Scope, requested: Scope): boolean {
  return scopeCovers(held, requested);
}

export interface CountableReview {
  readonly reviewer: string;
  readonly decision: 'approve' | 'deny';
  readonly maxDurationSeconds: number | null;
}

/**
 * The approvals that count now: one per distinct reviewer, never the requester's, and only from
 * reviewers who still hold `approve` over the request's scope at the moment of counting.
 */
export function countedApprovals<T extends CountableReview>(
  reviews: readonly T[],
  requester: string,
  stillHoldsApprove: (review: T) => boolean,
): T[] {
  const seen = new Set<string>();
  const counted: T[] = [];
  for (const review of reviews) {
    if (review.decision !== 'approve' || review.reviewer === requester || seen.has(review.reviewer)) continue;
    seen.add(review.reviewer);
    if (stillHoldsApprove(review)) counted.push(review);
  }
  return counted;
}

/** The smallest of the duration asked for, the policy's maximum and any counted approver's cap. */
export function effectiveDurationSeconds(
  requested: number,
  policyMaximum: number,
  approverCaps: ReadonlyArray<number | null>,
): number {
  const caps = approverCaps.filter((cap): cap is number => cap !== null);
  return Math.min(requested, policyMaximum, ...caps);
}

/** The access starts at approval, or at the requested start if that is later, and lasts `durationSeconds`. */
export function accessWindow(
  approvedAt: Date,
  startAt: Date | null,
  durationSeconds: number,
): { notBefore: Date; expiresAt: Date } {
  const notBefore = startAt !== null && startAt > approvedAt ? startAt : approvedAt;
  return { notBefore, expiresAt: new Date(notBefore.getTime() + durationSeconds * 1000) };
}

/**
 * Who could approve a request, given the subjects holding `approve` over its scope: everyone but
 * the requester. A group counts as any number of members (the broker cannot list them); without
 * one, the named approvers must be enough for `approvalsRequired`.
 */
export function approverPool(
  holders: readonly string[],
  requester: string,
  approvalsRequired: number,
): { approvers: string[]; sufficient: boolean } {
  const approvers = holders.filter((holder) => holder !== requester);
  const groups = approvers.filter((holder) => holder.startsWith(GROUP_PREFIX)).length;
  return { approvers, sufficient: groups > 0 || approvers.length >= approvalsRequired };
}
