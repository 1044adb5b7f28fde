import { Injectable } from '@nestjs/common';
import type { EffectiveGrant } from '../grants/decision.js';
import { PolicyService } from '../grants/policy.service.js';
import type { WebhookSubscriptionEntity } from './entities/webhook-subscription.entity.js';
import type { LifecycleEventFacts } from './webhook-rules.js';

/**
 * What a subscription's owner may still receive, decided at dispatch on the owner's grants as
 * they are then (not as they were when subscribing): the subscription itself needs
 * `webhooks:manage` and `list` over its scope, and a `lease.*` event goes only to an owner who
 * could see that lease in GET /v1/leases — its own lease while it may lease that ServiceAccount,
 * or any lease where it holds `grants:manage`.
 */
@Injectable()
export class SubscriptionCoverage {
  constructor(private readonly policy: PolicyService) {}

  grantsOf(subscription: WebhookSubscriptionEntity): EffectiveGrant[] {
    return this.policy.grantsOfSubjects(subscription.ownerSubjects ?? [subscription.createdBy]);
  }

  /** Why the owner's grants no longer cover the subscription; undefined while they do. */
  lapsed(subscription: WebhookSubscriptionEntity, grants: readonly EffectiveGrant[]): string | undefined {
    const scope = { namespace: subscription.namespace, namePattern: subscription.namePattern };
    const decision = this.policy.evaluate(grants, { kind: 'scope', verbs: ['webhooks:manage', 'list'], scope });
    if (decision.allowed) return undefined;
    return `the owner's grants no longer give webhooks:manage and list over ${scope.namespace}/${scope.namePattern}`;
  }

  /** Whether the owner may learn of this event: any secret event in scope, a lease event only as GET /v1/leases shows it. */
  sees(
    subscription: WebhookSubscriptionEntity,
    grants: readonly EffectiveGrant[],
    event: LifecycleEventFacts,
    leaseHolder: string | undefined,
  ): boolean {
    if (!event.type.startsWith('lease.')) return true;
    const target = { namespace: event.namespace, name: event.name };
    const ownsLease = leaseHolder !== undefined && leaseHolder === subscription.createdBy;
    if (ownsLease && this.policy.evaluate(grants, { kind: 'target', verbs: ['lease'], target }).allowed) return true;
    return this.policy.evaluate(grants, {
      kind: 'scope',
      verbs: ['grants:manage'],
      scope: { namespace: event.namespace, namePattern: event.name },
    }).allowed;
  }
}
