import { scopeCovers, scopeMatches, ANY, type Scope } from '../common/vocabulary/scope.js';
import type { Verb } from '../common/vocabulary/verbs.js';
import { reservedReason, type ReservedObjects } from './reserved-objects.js';

export interface GrantSource {
  readonly kind: 'access-request';
  readonly requestId: string;
}

/** A grant with its role's verbs resolved. */
export interface EffectiveGrant extends Scope {
  readonly id: string;
  readonly subject: string;
  readonly role: string;
  readonly verbs: readonly Verb[];
  /** When it starts applying; null: at once. */
  readonly notBefore: Date | null;
  readonly expiresAt: Date | null;
  /** What made it (an approved access request), or null for a grant made by hand. */
  readonly source: GrantSource | null;
  readonly reason: string | null;
  /** The longest lease this grant allows, in seconds; null: no cap. */
  readonly maxLeaseTtlSeconds: number | null;
  readonly createdBy: string;
  readonly createdAt: Date;
}

export interface Target {
  readonly namespace: string;
  readonly name: string;
}

/** What a caller asks to do; every authorization question the broker asks is one of these. */
export type AccessRequest =
  /**
   * Every verb on one secret (a rotation that picks its generators needs rotate and update), or
   * `lease` on one ServiceAccount; with `leaseTtlSeconds`, only grants whose cap allows it give `lease`.
   */
  | {
      readonly kind: 'target';
      readonly verbs: readonly [Verb, ...Verb[]];
      readonly target: Target;
      readonly leaseTtlSeconds?: number;
      /**
       * A lease acts as the ServiceAccount: these are the grants it holds, and the caller must
       * cover each of them by the escalation rule (every verb over its whole scope).
       */
      readonly actingAs?: readonly EffectiveGrant[];
    }
  /** The verb on some names of a namespace (listing it; each name is then filtered). */
  | { readonly kind: 'namespace'; readonly verb: Verb; readonly namespace: string }
  /** The verb on some scope, anywhere (route guards; listings of grants, roles, audit events). */
  | { readonly kind: 'anywhere'; readonly verb: Verb }
  /**
   * Every verb over a whole scope, each from one grant covering it (the escalation rule for
   * grants and roles); with `lifetime`, those grants must also last as long as what is made.
   */
  | {
      readonly kind: 'scope';
      readonly verbs: readonly [Verb, ...Verb[]];
      readonly scope: Scope;
      readonly lifetime?: { readonly expiresAt: Date | null };
      /** The lease cap of what is made (null: none): the covering `lease` grants must allow as long. */
      readonly leaseCap?: { readonly maxLeaseTtlSeconds: number | null };
    };

export interface DecisionContext {
  /** Namespaces the broker serves; undefined: all. */
  readonly managedNamespaces: readonly string[] | undefined;
  /** The broker's own objects: refused for every verb, whatever the grants. */
  readonly reserved?: ReservedObjects;
  readonly now: Date;
}

export interface Decision {
  readonly allowed: boolean;
  readonly reason: string;
  readonly matchedGrants: readonly EffectiveGrant[];
  /** The verb the decision turned on: the first refused one, else the first asked for. */
  readonly verb: Verb;
  /** Machine-readable facts for the caller (e.g. the latest expiry a new grant may have). */
  readonly details?: Readonly<Record<string, unknown>>;
}

/**
 * Default deny. A grant matches when it has started and not expired at `context.now`, gives the verb, and its
 * namespace and name glob match; namespaces outside the managed set are refused for everyone.
 * Pure: the decision depends on nothing but its arguments.
 */
export function decide(grants: readonly EffectiveGrant[], request: AccessRequest, context: DecisionContext): Decision {
  const live = grants.filter((grant) => isLive(grant, context.now));
  switch (request.kind) {
    case 'target':
      return decideTarget(live, request, context);
    case 'namespace':
      return decideNamespace(live, request.verb, request.namespace, context);
    case 'anywhere':
      return decideAnywhere(live, request.verb);
    case 'scope':
      return decideScope(live, request);
  }
}

function decideTarget(
  grants: readonly EffectiveGrant[],
  { verbs, target, leaseTtlSeconds, actingAs }: Extract<AccessRequest, { kind: 'target' }>,
  context: DecisionContext,
): Decision {
  if (!isManaged(target.namespace, context)) {
    return deny(verbs[0], `namespace ${target.namespace} is not managed by the broker`);
  }
  const reserved = reservedReason(context.reserved, target);
  if (reserved) return deny(verbs[0], reserved);
  const scoped = (verb: Verb) =>
    grants.filter((grant) => grant.verbs.includes(verb) && scopeMatches(grant, target.namespace, target.name));
  const matchedOf = (verb: Verb) =>
    scoped(verb).filter((grant) => verb !== 'lease' || allowsLease(grant, leaseTtlSeconds));
  const refused = verbs.find((verb) => matchedOf(verb).length === 0);
  if (refused === 'lease' && scoped('lease').length > 0) {
    const cap = Math.max(...scoped('lease').map((grant) => grant.maxLeaseTtlSeconds ?? 0));
    return deny(
      'lease',
      `ttlSeconds ${leaseTtlSeconds} exceeds the ${cap}s your grants allow on ${target.namespace}/${target.name}`,
      { maxLeaseTtlSeconds: cap },
    );
  }
  if (refused) return deny(refused, `no grant gives ${refused} on ${target.namespace}/${target.name}`);
  const uncovered = (actingAs ?? []).find((held) => !coversHeldGrant(grants, held));
  if (uncovered) {
    return deny(
      verbs[0],
      `${target.namespace}/${target.name} holds ${uncovered.verbs.join(', ')} over namespace ${uncovered.namespace}, ` +
        `names ${uncovered.namePattern} (grant ${uncovered.id}), which your grants do not cover; a lease acts as it`,
      { uncoveredGrant: uncovered.id },
    );
  }
  const matched = [...new Set(verbs.flatMap(matchedOf))];
  const also = verbs.length > 1 ? ` (${verbs.join(', ')})` : '';
  return allow(verbs[0], `allowed by ${matched.length} grant(s)${also}`, matched);
}

function decideNamespace(
  grants: readonly EffectiveGrant[],
  verb: Verb,
  namespace: string,
  context: DecisionContext,
): Decision {
  const matched = isManaged(namespace, context)
    ? grants.filter((grant) => grant.verbs.includes(verb) && (grant.namespace === ANY || grant.namespace === namespace))
    : [];
  if (matched.length === 0) return deny(verb, `no grant gives ${verb} in namespace ${namespace}`);
  return allow(verb, `allowed by ${matched.length} grant(s)`, matched);
}

function decideAnywhere(grants: readonly EffectiveGrant[], verb: Verb): Decision {
  const matched = grants.filter((grant) => grant.verbs.includes(verb));
  if (matched.length === 0) return deny(verb, `no grant gives ${verb}`);
  return allow(verb, `allowed by ${matched.length} grant(s)`, matched);
}

function decideScope(
  grants: readonly EffectiveGrant[],
  { verbs, scope, lifetime, leaseCap }: Extract<AccessRequest, { kind: 'scope' }>,
): Decision {
  const where = `over namespace ${scope.namespace}, names ${scope.namePattern}`;
  const coveringOf = (verb: Verb) => grants.filter((grant) => grant.verbs.includes(verb) && scopeCovers(grant, scope));
  const unique = [...new Set(verbs)];
  const missing = unique.filter((verb) => coveringOf(verb).length === 0);
  if (missing.length > 0) return deny(missing[0], `you do not hold ${missing.join(', ')} ${where}`);
  if (lifetime) {
    const limit = earliest(unique.map((verb) => latestExpiry(coveringOf(verb))));
    if (limit !== null && (lifetime.expiresAt === null || lifetime.expiresAt > limit)) {
      return deny(
        verbs[0],
        `a grant you create must expire no later than ${limit.toISOString()}, when your own grant ${where} expires`,
        { maxExpiresAt: limit.toISOString() },
      );
    }
  }
  if (leaseCap && unique.includes('lease')) {
    const held = longestLease(coveringOf('lease'));
    const asked = leaseCap.maxLeaseTtlSeconds;
    if (held !== null && (asked === null || asked > held)) {
      return deny('lease', `a grant you create must cap leases at ${held}s or less, as your own grants ${where} do`, {
        maxLeaseTtlSeconds: held,
      });
    }
  }
  return allow(verbs[0], `holds ${unique.join(', ')} ${where}`, [...new Set(unique.flatMap(coveringOf))]);
}

/** The escalation rule for one grant the leased ServiceAccount holds: each verb over its whole scope, lease caps included. */
function coversHeldGrant(grants: readonly EffectiveGrant[], held: EffectiveGrant): boolean {
  if (held.verbs.length === 0) return true;
  const [first, ...rest] = held.verbs;
  return decideScope(grants, {
    kind: 'scope',
    verbs: [first, ...rest],
    scope: held,
    leaseCap: { maxLeaseTtlSeconds: held.maxLeaseTtlSeconds },
  }).allowed;
}

/** Started (no `notBefore`, or reached) and not expired at `now`. */
export function isLive(grant: Pick<EffectiveGrant, 'notBefore' | 'expiresAt'>, now: Date): boolean {
  return (grant.notBefore === null || grant.notBefore <= now) && (grant.expiresAt === null || grant.expiresAt > now);
}

function allowsLease(grant: EffectiveGrant, ttlSeconds: number | undefined): boolean {
  return grant.maxLeaseTtlSeconds === null || ttlSeconds === undefined || ttlSeconds <= grant.maxLeaseTtlSeconds;
}

function isManaged(namespace: string, context: DecisionContext): boolean {
  return context.managedNamespaces === undefined || context.managedNamespaces.includes(namespace);
}

function allow(verb: Verb, reason: string, matchedGrants: readonly EffectiveGrant[]): Decision {
  return { allowed: true, reason, matchedGrants, verb };
}

function deny(verb: Verb, reason: string, details?: Readonly<Record<string, unknown>>): Decision {
  return { allowed: false, reason, matchedGrants: [], verb, ...(details ? { details } : {}) };
}

/** The latest expiry among `grants` (null: one never expires). */
function latestExpiry(grants: readonly EffectiveGrant[]): Date | null {
  if (grants.some((grant) => grant.expiresAt === null)) return null;
  return new Date(Math.max(...grants.map((grant) => (grant.expiresAt as Date).getTime())));
}

/** The longest lease any of `grants` allows (null: one has no cap). */
function longestLease(grants: readonly EffectiveGrant[]): number | null {
  if (grants.some((grant) => grant.maxLeaseTtlSeconds === null)) return null;
  return Math.max(...grants.map((grant) => grant.maxLeaseTtlSeconds as number));
}

/** The earliest of some limits (null: unlimited). */
function earliest(limits: ReadonlyArray<Date | null>): Date | null {
  const bounded = limits.filter((limit): limit is Date => limit !== null);
  return bounded.length === 0 ? null : new Date(Math.min(...bounded.map((limit) => limit.getTime())));
}
