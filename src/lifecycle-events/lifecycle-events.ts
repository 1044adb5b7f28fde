import type { EntityManager } from 'typeorm';

/** What happened to a secret, a lease or an access request, as subscribers of lifecycle webhooks and live events learn it. */
export const LIFECYCLE_EVENT_TYPES = [
  'secret.created',
  'secret.updated',
  'secret.rotated',
  'secret.rolled_back',
  'secret.revoked',
  'secret.drifted',
  'rotation.failed',
  'lease.created',
  'lease.revoked',
  'lease.expired',
  'access_request.created',
  'access_request.reviewed',
  'access_request.approved',
  'access_request.denied',
  'access_request.withdrawn',
  'access_request.expired',
  'access_request.invalidated',
  'access_request.revoked',
  'access_request.break_glass',
  'access_request.post_reviewed',
] as const;

export type LifecycleEventType = (typeof LIFECYCLE_EVENT_TYPES)[number];

/** Facts about an event: names, versions, reasons. Never a secret value or a token. */
export type LifecycleEventDetails = Readonly<Record<string, string | number | boolean | null>>;

export interface LifecycleEventInput {
  readonly type: LifecycleEventType;
  readonly namespace: string;
  readonly name: string;
  readonly version?: number;
  /** Who caused it: a caller's subject, or `system:scheduler`, `system:reconciler`. */
  readonly subject: string;
  readonly details?: LifecycleEventDetails;
}

/**
 * The outbox: events are written in the same database transaction as the change that caused
 * them, so a change that rolls back announces nothing and a committed one is never lost.
 * Delivery (webhooks, live subscriptions) reads the outbox afterwards.
 */
export abstract class LifecycleEvents {
  abstract enqueue(manager: EntityManager, events: readonly LifecycleEventInput[]): Promise<void>;
}
