import { Inject, Injectable } from '@nestjs/common';
import { DataSource, In, type EntityManager } from 'typeorm';
import type { Actor } from '../../common/actor.js';
import { Clock } from '../../common/time/clock.js';
import type { Scope } from '../../common/vocabulary/scope.js';
import { PolicyService, type AccessRequest } from '../../grants/policy.service.js';
import { TemporaryGrants } from '../../grants/temporary-grants.js';
import { AccessPolicyEntity } from '../policies/entities/access-policy.entity.js';
import { approverPool, countedApprovals, effectiveDurationSeconds } from './approval-rules.js';
import { AccessRequestStore } from './access-request.store.js';
import type { AccessRequestReviewEntity } from './entities/access-request-review.entity.js';
import type { AccessRequestEntity } from './entities/access-request.entity.js';
import { toAccessRequestView, type Assessment } from './access-request-views.js';
import type { AccessRequestView } from './models/access-request.model.js';

/** How a caller relates to a request: its requester, one who may approve it, or a manager of its scope. */
export type Relation = 'requester' | 'approver' | 'manager';

/**
 * The questions every access-request operation asks: the time, the policy, who holds `approve`
 * over a scope now, which approvals count, how long the access would last, and what a caller
 * may see. Answers come from the grant cache as it is at the moment of asking.
 */
@Injectable()
export class AccessRequestEvaluator {
  constructor(
    private readonly dataSource: DataSource,
    private readonly policy: PolicyService,
    private readonly grants: TemporaryGrants,
    private readonly store: AccessRequestStore,
    @Inject(Clock) private readonly clock: Pick<Clock, 'now'>,
  ) {}

  now(): Date {
    return new Date(this.clock.now());
  }

  policyOf(name: string, manager: EntityManager = this.dataSource.manager): Promise<AccessPolicyEntity | null> {
    return manager.getRepository(AccessPolicyEntity).findOneBy({ name });
  }

  /** Whether `subjects` hold `approve` over the whole of `scope` now. */
  holdsApprove(subjects: readonly string[], scope: Scope): boolean {
    return this.policy.evaluate(this.policy.grantsOfSubjects(subjects), approving(scope)).allowed;
  }

  /** Who could approve (never the requester), and whether they can ever be enough. */
  pool(request: Pick<AccessRequestEntity, 'namespace' | 'namePattern' | 'requester' | 'approvalsRequired'>) {
    const holders = this.grants.holdersOf('approve', request, this.now());
    return approverPool(holders, request.requester, request.approvalsRequired);
  }

  counted(request: AccessRequestEntity, reviews: readonly AccessRequestReviewEntity[]): AccessRequestReviewEntity[] {
    return countedApprovals(reviews, request.requester, (review) =>
      this.holdsApprove(review.reviewerSubjects, request),
    );
  }

  /** The duration if approved now: asked, capped by the policy (or its break-glass maximum) and the counted approvers. */
  effectiveDuration(
    request: AccessRequestEntity,
    policy: AccessPolicyEntity | null,
    counted: readonly AccessRequestReviewEntity[],
  ): number {
    const maximum =
      policy === null
        ? request.durationSeconds
        : request.breakGlass
          ? (policy.breakGlassMaxDurationSeconds ?? 0)
          : policy.maxDurationSeconds;
    return effectiveDurationSeconds(
      request.durationSeconds,
      maximum,
      counted.map((review) => review.maxDurationSeconds),
    );
  }

  /** The first relation the caller has to the request (requester first), or undefined: it may not see it. */
  async relationTo(actor: Actor, request: AccessRequestEntity): Promise<Relation | undefined> {
    if (request.requester === actor.subject) return 'requester';
    const grants = await this.policy.effectiveGrants(actor);
    if (this.policy.evaluate(grants, approving(request)).allowed) return 'approver';
    if (this.policy.evaluate(grants, managing(request)).allowed) return 'manager';
    return undefined;
  }

  /** The decision a caller's relation rests on, for recording (the requester's own needs no verb). */
  accessFor(relation: Exclude<Relation, 'requester'>, scope: Scope): AccessRequest {
    return relation === 'approver' ? approving(scope) : managing(scope);
  }

  async view(request: AccessRequestEntity, manager?: EntityManager): Promise<AccessRequestView> {
    const [view] = await this.views([request], manager);
    return view;
  }

  async views(requests: readonly AccessRequestEntity[], manager?: EntityManager): Promise<AccessRequestView[]> {
    const reviews = await this.store.reviewsOf(
      requests.map((request) => request.id),
      manager,
    );
    const names = [...new Set(requests.map((request) => request.policyName))];
    const policies =
      names.length === 0
        ? []
        : await (manager ?? this.dataSource.manager).getRepository(AccessPolicyEntity).findBy({ name: In(names) });
    const byName = new Map(policies.map((policy) => [policy.name, policy]));
    const now = this.now();
    return requests.map((request) => {
      const ofRequest = reviews.get(request.id) ?? [];
      return toAccessRequestView(
        request,
        ofRequest,
        this.assess(request, ofRequest, byName.get(request.policyName) ?? null, now),
      );
    });
  }

  private assess(
    request: AccessRequestEntity,
    reviews: readonly AccessRequestReviewEntity[],
    policy: AccessPolicyEntity | null,
    now: Date,
  ): Assessment {
    if (request.state !== 'pending') {
      const approvals = new Set(
        reviews.filter((review) => review.decision === 'approve').map((review) => review.reviewer),
      );
      const granted =
        request.grantNotBefore && request.grantExpiresAt
          ? Math.round((request.grantExpiresAt.getTime() - request.grantNotBefore.getTime()) / 1000)
          : request.durationSeconds;
      // Approval happens the moment the count reaches what is needed; later reviews are refused.
      const counted = request.state === 'approved' && !request.breakGlass ? request.approvalsRequired : approvals.size;
      return { approvals: counted, eligibleApprovers: [], effectiveDurationSeconds: granted, now };
    }
    const counted = this.counted(request, reviews);
    return {
      approvals: counted.length,
      eligibleApprovers: this.pool(request).approvers,
      effectiveDurationSeconds: this.effectiveDuration(request, policy, counted),
      now,
    };
  }
}

function approving(scope: Scope): AccessRequest {
  return { kind: 'scope', verbs: ['approve'], scope: { namespace: scope.namespace, namePattern: scope.namePattern } };
}

function managing(scope: Scope): AccessRequest {
  return {
    kind: 'scope',
    verbs: ['grants:manage'],
    scope: { namespace: scope.namespace, namePattern: scope.namePattern },
  };
}
