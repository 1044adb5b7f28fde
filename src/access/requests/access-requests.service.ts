import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { AuditService } from '../../audit/audit.service.js';
import type { Actor } from '../../common/actor.js';
import { DomainError, ErrorCode } from '../../common/errors/domain-error.js';
import { CursorCodec } from '../../common/paging/cursor-codec.js';
import type { PageRequest } from '../../common/paging/page.js';
import { PolicyService } from '../../grants/policy.service.js';
import { MAX_ACCESS_SECONDS } from '../policies/dto/access-policy.input.js';
import type { AccessPolicyEntity } from '../policies/entities/access-policy.entity.js';
import { mayBreakGlass, misfitOf } from '../policies/policy-rules.js';
import { accessWindow } from './approval-rules.js';
import { requestEvent } from './access-request-audit.js';
import { AccessRequestEvaluator } from './access-request-evaluator.js';
import { AccessRequestExpiry } from './access-request-expiry.js';
import { toAccessRequestView } from './access-request-views.js';
import { AccessRequestStore, type AccessRequestPosition, type AccessRequestQuery } from './access-request.store.js';
import type { AccessRequestFilter, RequestAccessInput } from './dto/access-request.inputs.js';
import { AccessRequestEntity } from './entities/access-request.entity.js';
import { AccessRequestPageView, type AccessRequestView } from './models/access-request.model.js';

const CURSOR = /^(\d{1,15}):([0-9a-f-]{36})$/;
// A start a little in the past is "now" from a client whose clock runs behind.
const START_SKEW_MS = 60_000;

/**
 * Access requests from the requester's side: asking (or breaking glass), listing, reading and
 * withdrawing. Every read expires an overdue pending request first, so nobody sees one that is
 * past its deadline as pending.
 */
@Injectable()
export class AccessRequestsService {
  constructor(
    private readonly store: AccessRequestStore,
    private readonly evaluator: AccessRequestEvaluator,
    private readonly expiry: AccessRequestExpiry,
    private readonly policy: PolicyService,
    private readonly audit: AuditService,
    private readonly cursors: CursorCodec,
  ) {}

  async request(actor: Actor, input: RequestAccessInput): Promise<AccessRequestView> {
    const draft = await this.draft(actor, input);
    if (input.dryRun) {
      const assessment = {
        approvals: 0,
        eligibleApprovers: draft.breakGlass ? [] : this.evaluator.pool(draft).approvers,
        effectiveDurationSeconds: draft.durationSeconds,
        now: draft.createdAt,
      };
      return toAccessRequestView(draft, [], assessment, true);
    }
    const action = draft.breakGlass ? 'access_request.break_glass' : 'access_request.create';
    const intent = await this.audit.record(
      requestEvent(actor, action, 'allowed', draft, { reason: draft.reason ?? undefined }),
    );
    return this.audit.recordOutcome({ ...requestEvent(actor, action, 'succeeded', draft), intentId: intent.id }, () =>
      this.store.change(async (tx) => {
        const first = await this.store.findOverlapping(tx, draft, draft.createdAt, !draft.breakGlass);
        if (first) {
          throw new DomainError(
            ErrorCode.Conflict,
            `Request ${first.id} (${first.state}) already covers ${draft.role} on ${draft.namespace}/${draft.namePattern} under ${draft.policyName}`,
            { details: { requestId: first.id, state: first.state } },
          );
        }
        await this.store.insert(tx, draft);
        if (draft.breakGlass) {
          const grantId = randomUUID();
          const window = accessWindow(draft.createdAt, null, draft.durationSeconds);
          await tx.grants.issue({
            id: grantId,
            subject: draft.requester,
            role: draft.role,
            namespace: draft.namespace,
            namePattern: draft.namePattern,
            ...window,
            reason: `break-glass: ${draft.reason ?? ''}`.slice(0, 1024),
            createdBy: draft.requester,
            requestId: draft.id,
          });
          await this.store.resolve(tx, draft, 'approved', {
            resolvedAt: draft.createdAt,
            resolvedBy: draft.requester,
            resolutionReason: 'break-glass',
            grantId,
            grantNotBefore: window.notBefore,
            grantExpiresAt: window.expiresAt,
          });
        }
        await tx.announce(
          draft.breakGlass ? 'access_request.break_glass' : 'access_request.created',
          draft,
          actor.subject,
        );
        return this.evaluator.view(draft, tx.manager);
      }),
    );
  }

  async get(actor: Actor, id: string): Promise<AccessRequestView> {
    const request = await this.findVisible(actor, id);
    return this.evaluator.view(await this.expiry.expireIfOverdue(request));
  }

  /**
   * Newest first. `mine`: the caller's own; `needs-my-review`: pending requests of others it may
   * approve (and break-glass uses awaiting a post-review) that it has not reviewed; `all`: every
   * request it may approve or whose scope it manages. Rows it may not see are skipped, so a page
   * can hold fewer than `limit` items; `continue` still moves on.
   */
  async list(actor: Actor, filter: AccessRequestFilter, page: PageRequest): Promise<AccessRequestPageView> {
    const view = filter.view ?? 'mine';
    const listing = `access-requests|${actor.subject}|${JSON.stringify([view, filter.state, filter.unreviewedBreakGlass])}`;
    const position = page.cursor === undefined ? undefined : positionOf(this.cursors.open(page.cursor, listing));
    if (view !== 'mine') {
      const grants = await this.policy.effectiveGrants(actor);
      const approves = this.policy.evaluate(grants, { kind: 'anywhere', verb: 'approve' }).allowed;
      await this.policy.authorize(actor, {
        kind: 'anywhere',
        verb: approves || view === 'needs-my-review' ? 'approve' : 'grants:manage',
      });
    }
    await this.expiry.expireOverdue();
    const query: AccessRequestQuery = {
      ...(view === 'mine' ? { requester: actor.subject } : {}),
      ...(view === 'needs-my-review' ? { notRequester: actor.subject, awaitingReview: true } : {}),
      ...(filter.state === undefined ? {} : { state: filter.state }),
      ...(filter.unreviewedBreakGlass ? { unreviewedBreakGlass: true } : {}),
    };
    const rows = await this.store.page(query, position, page.size + 1);
    const pageRows = rows.slice(0, page.size);
    const visible: AccessRequestEntity[] = [];
    for (const row of pageRows) if (await this.belongsIn(actor, view, row)) visible.push(row);
    const last = pageRows[pageRows.length - 1];
    const next = rows.length > page.size ? this.cursors.seal(`${last.createdAt.getTime()}:${last.id}`, listing) : null;
    return Object.assign(new AccessRequestPageView(), { items: await this.evaluator.views(visible), continue: next });
  }

  /** Only the requester withdraws, and only while pending. */
  async withdraw(actor: Actor, id: string, reason: string | undefined): Promise<AccessRequestView> {
    const request = await this.expiry.expireIfOverdue(await this.findVisible(actor, id));
    if (request.requester !== actor.subject) {
      await this.audit.record(
        requestEvent(actor, 'access_request.withdraw', 'denied', request, {
          reason: 'only the requester withdraws a request',
        }),
      );
      throw new DomainError(ErrorCode.Forbidden, 'Permission denied: only the requester withdraws a request');
    }
    const intent = await this.audit.record(
      requestEvent(actor, 'access_request.withdraw', 'allowed', request, { reason }),
    );
    return this.audit.recordOutcome(
      { ...requestEvent(actor, 'access_request.withdraw', 'succeeded', request), intentId: intent.id },
      () =>
        this.store.change(async (tx) => {
          const locked = await this.expiry.lockPending(tx, id);
          await this.store.resolve(tx, locked, 'withdrawn', {
            resolvedAt: this.evaluator.now(),
            resolvedBy: actor.subject,
            resolutionReason: reason ?? null,
          });
          await tx.announce('access_request.withdrawn', locked, actor.subject);
          return this.evaluator.view(locked, tx.manager);
        }),
    );
  }

  /** A request the caller may not see answers like a missing one: ids reveal nothing. */
  async findVisible(actor: Actor, id: string): Promise<AccessRequestEntity> {
    const request = await this.store.find(id);
    const relation = request ? await this.evaluator.relationTo(actor, request) : undefined;
    if (!request || !relation) throw new DomainError(ErrorCode.NotFound, `Access request ${id} not found`);
    if (relation !== 'requester') await this.policy.authorize(actor, this.evaluator.accessFor(relation, request));
    return request;
  }

  private async belongsIn(actor: Actor, view: string, row: AccessRequestEntity): Promise<boolean> {
    if (view === 'mine') return true;
    const relation = await this.evaluator.relationTo(actor, row);
    if (view === 'all') return relation !== undefined;
    if (relation !== 'approver') return false;
    const reviews = (await this.store.reviewsOf([row.id])).get(row.id) ?? [];
    return row.state !== 'pending' || !reviews.some((review) => review.reviewer === actor.subject);
  }

  /** The request as it would be stored, after every check that needs no transaction. */
  private async draft(actor: Actor, input: RequestAccessInput): Promise<AccessRequestEntity> {
    const policy = await this.evaluator.policyOf(input.policy);
    const breakGlass = input.breakGlass === true;
    const permitted =
      policy &&
      (breakGlass ? mayBreakGlass(policy, actor.subjects) : actor.subjects.some((s) => policy.requesters.includes(s)));
    const action = breakGlass ? 'access_request.break_glass' : 'access_request.create';
    const target = { namespace: input.namespace, namePattern: input.namePattern ?? policy?.namePattern ?? '*' };
    if (!policy || !permitted) {
      const why = breakGlass
        ? `you may not break glass under policy ${input.policy}`
        : `you may not request access under policy ${input.policy}`;
      await this.audit.record(
        requestEvent(
          actor,
          action,
          'denied',
          { id: '', ...target, role: input.role, requester: actor.subject },
          { reason: why },
        ),
      );
      throw new DomainError(ErrorCode.Forbidden, `Permission denied: ${why}`);
    }
    const now = this.evaluator.now();
    const request = Object.assign(new AccessRequestEntity(), {
      id: randomUUID(),
      policyName: policy.name,
      requester: actor.subject,
      requesterSubjects: [...actor.subjects],
      ...target,
      role: input.role,
      durationSeconds: input.durationSeconds,
      reason: input.reason?.trim() || null,
      startAt: input.startAt ?? null,
      breakGlass,
      state: 'pending' as const,
      approvalsRequired: policy.approvalsRequired,
      createdAt: now,
      expiresAt: new Date(now.getTime() + policy.pendingTtlSeconds * 1000),
      resolvedAt: null,
      resolvedBy: null,
      resolutionReason: null,
      grantId: null,
      grantNotBefore: null,
      grantExpiresAt: null,
      revokedAt: null,
      revokedBy: null,
      revokeReason: null,
      postReviewOutcome: null,
      postReviewedBy: null,
      postReviewedAt: null,
      postReviewReason: null,
    });
    this.checkFit(policy, request, now);
    return request;
  }

  private checkFit(policy: AccessPolicyEntity, request: AccessRequestEntity, now: Date): void {
    const misfit = misfitOf(policy, request);
    if (misfit) throw unprocessable(misfit);
    const maximum = request.breakGlass ? (policy.breakGlassMaxDurationSeconds ?? 0) : policy.maxDurationSeconds;
    if (request.durationSeconds > maximum) {
      throw unprocessable(
        `durationSeconds ${request.durationSeconds} exceeds the ${maximum}s policy ${policy.name} allows`,
        { maxDurationSeconds: maximum },
      );
    }
    if ((policy.requireReason || request.breakGlass) && request.reason === null) {
      throw unprocessable(
        request.breakGlass ? 'break-glass needs a reason' : `policy ${policy.name} requires a reason`,
      );
    }
    if (request.startAt !== null) {
      if (request.breakGlass) throw unprocessable('break-glass access starts at once: startAt is not allowed');
      const offset = request.startAt.getTime() - now.getTime();
      if (offset < -START_SKEW_MS || offset > MAX_ACCESS_SECONDS * 1000) {
        throw unprocessable('startAt must be between now and 30 days from now');
      }
    }
    if (!request.breakGlass && !this.evaluator.pool(request).sufficient) {
      const { approvers } = this.evaluator.pool(request);
      throw unprocessable(
        approvers.length === 0
          ? `nobody but the requester holds approve over ${request.namespace}/${request.namePattern}`
          : `only ${approvers.length} subject(s) other than the requester hold approve over ${request.namespace}/${request.namePattern}; ${request.approvalsRequired} approvals are needed`,
        { eligibleApprovers: approvers },
      );
    }
  }
}

function unprocessable(message: string, details?: Record<string, unknown>): DomainError {
  return new DomainError(ErrorCode.Unprocessable, message, details ? { details } : {});
}

function positionOf(position: string): AccessRequestPosition {
  const match = CURSOR.exec(position);
  if (!match) throw new DomainError(ErrorCode.InvalidInput, 'continue is not a cursor this API returned');
  return { createdAt: new Date(Number(match[1])), id: match[2] };
}
