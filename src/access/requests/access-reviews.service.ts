import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { AuditService } from '../../audit/audit.service.js';
import type { Actor } from '../../common/actor.js';
import { DomainError, ErrorCode } from '../../common/errors/domain-error.js';
import { PolicyService } from '../../grants/policy.service.js';
import { misfitOf } from '../policies/policy-rules.js';
import { accessWindow } from './approval-rules.js';
import { requestEvent, type AccessRequestAction } from './access-request-audit.js';
import { AccessRequestEvaluator } from './access-request-evaluator.js';
import { AccessRequestExpiry } from './access-request-expiry.js';
import { AccessRequestStore, type RequestTransaction } from './access-request.store.js';
import type { PostReviewOutcome } from './entities/access-request.entity.js';
import { AccessRequestEntity } from './entities/access-request.entity.js';
import type { ReviewDecision } from './entities/access-request-review.entity.js';
import type { AccessRequestView } from './models/access-request.model.js';

export interface ReviewInput {
  readonly decision: ReviewDecision;
  readonly reason?: string;
  readonly maxDurationSeconds?: number;
}

/** What a review did to its request. */
type ReviewResult = {
  readonly view: AccessRequestView;
  readonly outcome: 'reviewed' | 'approved' | 'denied' | 'invalidated';
};

/**
 * Access requests from the approvers' side: reviews (append-only, one per reviewer, never one's
 * own request), the approval that creates the grant in the same transaction, early revocation,
 * and the post-review of a break-glass use.
 */
@Injectable()
export class AccessReviewsService {
  constructor(
    private readonly store: AccessRequestStore,
    private readonly evaluator: AccessRequestEvaluator,
    private readonly expiry: AccessRequestExpiry,
    private readonly policy: PolicyService,
    private readonly audit: AuditService,
  ) {}

  async review(actor: Actor, id: string, input: ReviewInput): Promise<AccessRequestView> {
    if (input.decision === 'deny' && !input.reason?.trim()) {
      throw new DomainError(ErrorCode.Unprocessable, 'A denial needs a reason');
    }
    const request = await this.expiry.expireIfOverdue(await this.find(id));
    await this.refuseOwn(actor, request, 'access_request.review', 'nobody reviews their own request');
    const intent = await this.policy.authorize(actor, this.evaluator.accessFor('approver', request));
    const details = { decision: input.decision, maxDurationSeconds: input.maxDurationSeconds ?? null };
    let result: ReviewResult;
    try {
      result = await this.store.change((tx) => this.decide(tx, actor, id, input));
    } catch (error) {
      await this.recordFailure(actor, 'access_request.review', request, intent.auditEventId, error);
      throw error;
    }
    await this.audit.record(
      requestEvent(actor, 'access_request.review', 'succeeded', request, { intentId: intent.auditEventId, details }),
    );
    if (result.outcome === 'approved' || result.outcome === 'denied') {
      const action = result.outcome === 'approved' ? 'access_request.approve' : 'access_request.deny';
      await this.audit.record(
        requestEvent(actor, action, 'succeeded', request, {
          intentId: intent.auditEventId,
          details: {
            grantId: result.view.grant?.id ?? null,
            effectiveDurationSeconds: result.view.effectiveDurationSeconds,
          },
        }),
      );
    }
    if (result.outcome === 'invalidated') {
      await this.audit.record(
        requestEvent(actor, 'access_request.invalidate', 'succeeded', request, {
          reason: result.view.resolutionReason ?? undefined,
        }),
      );
      throw new DomainError(
        ErrorCode.Conflict,
        `Access request ${id} is no longer valid: ${result.view.resolutionReason ?? ''}`,
        {
          details: { state: 'invalidated' },
        },
      );
    }
    return result.view;
  }

  /** The requester, an approver over the scope, or a manager of it ends an approved access early. */
  async revoke(actor: Actor, id: string, reason: string): Promise<AccessRequestView> {
    const request = await this.find(id);
    const relation = await this.evaluator.relationTo(actor, request);
    if (!relation) throw notFound(id);
    const intentId =
      relation === 'requester'
        ? (await this.audit.record(requestEvent(actor, 'access_request.revoke', 'allowed', request, { reason }))).id
        : (await this.policy.authorize(actor, this.evaluator.accessFor(relation, request))).auditEventId;
    return this.audit.recordOutcome(
      { ...requestEvent(actor, 'access_request.revoke', 'succeeded', request), intentId },
      () =>
        this.store.change(async (tx) => {
          const locked = await this.locked(tx, id);
          const now = this.evaluator.now();
          if (locked.state !== 'approved' || !locked.grantId || !locked.grantExpiresAt)
            throw conflict(id, `is ${locked.state}: only approved access is revoked`);
          if (locked.grantExpiresAt <= now) throw conflict(id, 'has already ended');
          if (
            !(await this.store.amend(
              tx,
              locked,
              { revokedAt: now, revokedBy: actor.subject, revokeReason: reason },
              'revokedAt',
            ))
          ) {
            throw conflict(id, 'was already revoked');
          }
          await tx.grants.end(locked.grantId, now);
          await tx.announce('access_request.revoked', locked, actor.subject);
          return this.evaluator.view(locked, tx.manager);
        }),
    );
  }

  /** An approver (never the one who broke glass) records what it made of a break-glass use, once. */
  async postReview(
    actor: Actor,
    id: string,
    outcome: PostReviewOutcome,
    reason: string | undefined,
  ): Promise<AccessRequestView> {
    const request = await this.find(id);
    await this.refuseOwn(actor, request, 'access_request.post_review', 'nobody post-reviews their own break-glass use');
    const intent = await this.policy.authorize(actor, this.evaluator.accessFor('approver', request));
    return this.audit.recordOutcome(
      {
        ...requestEvent(actor, 'access_request.post_review', 'succeeded', request, { details: { outcome } }),
        intentId: intent.auditEventId,
      },
      () =>
        this.store.change(async (tx) => {
          const locked = await this.locked(tx, id);
          if (!locked.breakGlass) throw conflict(id, 'is not a break-glass use: it was reviewed before it was granted');
          const fields = {
            postReviewOutcome: outcome,
            postReviewedBy: actor.subject,
            postReviewedAt: this.evaluator.now(),
            postReviewReason: reason ?? null,
          };
          if (!(await this.store.amend(tx, locked, fields, 'postReviewedAt')))
            throw conflict(id, 'has already been post-reviewed');
          await tx.announce('access_request.post_reviewed', locked, actor.subject);
          return this.evaluator.view(locked, tx.manager);
        }),
    );
  }

  /** Inside the transaction: append the review, then deny, approve (with the grant) or leave pending. */
  private async decide(tx: RequestTransaction, actor: Actor, id: string, input: ReviewInput): Promise<ReviewResult> {
    const request = await this.expiry.lockPending(tx, id);
    const now = this.evaluator.now();
    const policy = await this.evaluator.policyOf(request.policyName, tx.manager);
    const misfit = policy ? misfitOf(policy, request) : `policy ${request.policyName} was removed`;
    if (misfit) {
      await this.store.resolve(tx, request, 'invalidated', {
        resolvedAt: now,
        resolvedBy: actor.subject,
        resolutionReason: misfit,
      });
      await tx.announce('access_request.invalidated', request, actor.subject);
      return { view: await this.evaluator.view(request, tx.manager), outcome: 'invalidated' };
    }
    const reviews = (await this.store.reviewsOf([id], tx.manager)).get(id) ?? [];
    if (reviews.some((review) => review.reviewer === actor.subject))
      throw conflict(id, `has already been reviewed by ${actor.subject}`);
    const review = {
      id: randomUUID(),
      requestId: id,
      reviewer: actor.subject,
      reviewerSubjects: [...actor.subjects],
      decision: input.decision,
      reason: input.reason?.trim() || null,
      maxDurationSeconds: input.maxDurationSeconds ?? null,
      createdAt: now,
    };
    await this.store.insertReview(tx, review);
    await tx.announce('access_request.reviewed', request, actor.subject);
    if (input.decision === 'deny') {
      await this.store.resolve(tx, request, 'denied', {
        resolvedAt: now,
        resolvedBy: actor.subject,
        resolutionReason: review.reason,
      });
      await tx.announce('access_request.denied', request, actor.subject);
      return { view: await this.evaluator.view(request, tx.manager), outcome: 'denied' };
    }
    const counted = this.evaluator.counted(request, [...reviews, review]);
    if (counted.length < request.approvalsRequired)
      return { view: await this.evaluator.view(request, tx.manager), outcome: 'reviewed' };
    await this.approve(tx, request, actor, this.evaluator.effectiveDuration(request, policy, counted), now);
    return { view: await this.evaluator.view(request, tx.manager), outcome: 'approved' };
  }

  private async approve(
    tx: RequestTransaction,
    request: AccessRequestEntity,
    actor: Actor,
    durationSeconds: number,
    now: Date,
  ): Promise<void> {
    const grantId = randomUUID();
    const window = accessWindow(now, request.startAt, durationSeconds);
    await tx.grants.issue({
      id: grantId,
      subject: request.requester,
      role: request.role,
      namespace: request.namespace,
      namePattern: request.namePattern,
      ...window,
      reason: request.reason,
      createdBy: actor.subject,
      requestId: request.id,
    });
    const approved = await this.store.resolve(tx, request, 'approved', {
      resolvedAt: now,
      resolvedBy: actor.subject,
      resolutionReason: `${request.approvalsRequired} approval(s)`,
      grantId,
      grantNotBefore: window.notBefore,
      grantExpiresAt: window.expiresAt,
    });
    // The row is locked and was pending: anything else means the transaction must not commit.
    if (!approved) throw conflict(request.id, 'was resolved concurrently');
    await tx.announce('access_request.approved', request, actor.subject);
  }

  private async refuseOwn(
    actor: Actor,
    request: AccessRequestEntity,
    action: AccessRequestAction,
    why: string,
  ): Promise<void> {
    if (request.requester !== actor.subject) return;
    await this.audit.record(requestEvent(actor, action, 'denied', request, { reason: why }));
    throw new DomainError(ErrorCode.Forbidden, `Permission denied: ${why}`);
  }

  private async recordFailure(
    actor: Actor,
    action: AccessRequestAction,
    request: AccessRequestEntity,
    intentId: string,
    error: unknown,
  ): Promise<void> {
    const reason = error instanceof Error ? error.message : 'failed';
    await this.audit
      .record(requestEvent(actor, action, 'failed', request, { intentId, reason }))
      .catch(() => undefined);
  }

  private async find(id: string): Promise<AccessRequestEntity> {
    const request = await this.store.find(id);
    if (!request) throw notFound(id);
    return request;
  }

  private async locked(tx: RequestTransaction, id: string): Promise<AccessRequestEntity> {
    const request = await this.store.lock(tx, id);
    if (!request) throw notFound(id);
    return request;
  }
}

function notFound(id: string): DomainError {
  return new DomainError(ErrorCode.NotFound, `Access request ${id} not found`);
}

function conflict(id: string, what: string): DomainError {
  return new DomainError(ErrorCode.Conflict, `Access request ${id} ${what}`);
}
