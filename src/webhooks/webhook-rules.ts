import { isIP } from 'node:net';
import type { LifecycleEventType } from '../lifecycle-events/lifecycle-events.js';
import { scopeMatches, type Scope } from '../common/vocabulary/scope.js';

/** What a delivery and a live event carry: facts about the change, never a value or a token. */
export interface LifecycleEventFacts {
  readonly id: string;
  readonly type: LifecycleEventType;
  readonly namespace: string;
  readonly name: string;
  readonly version: number | null;
  readonly subject: string;
  readonly occurredAt: Date;
  /** The access request an `access_request.*` event is about. */
  readonly accessRequestId?: string;
}

export interface SubscriptionFilter extends Scope {
  readonly eventTypes: readonly LifecycleEventType[];
  readonly expiresAt: Date | null;
}

/** Does the subscription want this event (its type, inside its scope, while it lasts)? */
export function subscriptionMatches(subscription: SubscriptionFilter, event: LifecycleEventFacts, now: Date): boolean {
  if (subscription.expiresAt !== null && subscription.expiresAt <= now) return false;
  return subscription.eventTypes.includes(event.type) && scopeMatches(subscription, event.namespace, event.name);
}

/**
 * The body of a delivery, in the Standard Webhooks shape `{type, timestamp, data}`. Built from an
 * explicit list of fields, so nothing an event may carry besides them can reach a receiver.
 */
export function webhookPayloadOf(event: LifecycleEventFacts): string {
  return JSON.stringify({
    type: event.type,
    timestamp: event.occurredAt.toISOString(),
    data: {
      eventId: event.id,
      type: event.type,
      namespace: event.namespace,
      name: event.name,
      version: event.version,
      subject: event.subject,
      occurredAt: event.occurredAt.toISOString(),
      ...(event.accessRequestId === undefined ? {} : { accessRequestId: event.accessRequestId }),
    },
  });
}

const MAX_RETRY_DELAY_SECONDS = 6 * 3600;

/** Exponential backoff: `base`, then doubling after each failed attempt, capped at six hours. */
export function retryDelaySeconds(failedAttempts: number, baseSeconds: number): number {
  return Math.min(MAX_RETRY_DELAY_SECONDS, baseSeconds * 2 ** Math.max(0, failedAttempts - 1));
}

export const MAX_WEBHOOK_URL_LENGTH = 2048;

/**
 * Where deliveries may go: `https://`, or `http://` to a loopback host (a receiver on the same
 * machine, in development and tests) unless running in production. No credentials in the URL:
 * it is stored and shown in clear. Returns why a URL is refused, or undefined.
 */
export function webhookUrlProblem(url: string, production: boolean): string | undefined {
  if (url.length > MAX_WEBHOOK_URL_LENGTH) return `url must be at most ${MAX_WEBHOOK_URL_LENGTH} characters`;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return 'url must be an absolute URL';
  }
  if (parsed.username !== '' || parsed.password !== '') return 'url must not carry credentials';
  if (parsed.hash !== '') return 'url must not have a fragment';
  if (parsed.protocol === 'https:') return undefined;
  if (parsed.protocol !== 'http:') return 'url must be https://';
  if (production) return 'url must be https:// in production';
  return isLoopback(parsed.hostname) ? undefined : 'url must be https:// (http:// only to a loopback address)';
}

function isLoopback(hostname: string): boolean {
  const host = hostname.startsWith('[') ? hostname.slice(1, -1) : hostname;
  if (host === 'localhost') return true;
  if (isIP(host) === 4) return host.startsWith('127.');
  return host === '::1';
}
