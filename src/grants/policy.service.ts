import { Inject, Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { In, Repository } from 'typeorm';
import { AuditService } from '../audit/audit.service.js';
import type { Actor } from '../common/actor.js';
import { DomainError, ErrorCode } from '../common/errors/domain-error.js';
import type { AppConfig } from '../config/app-config.js';
import { APP_CONFIG } from '../config/config.module.js';
import { MetricsService } from '../metrics/metrics.service.js';
import { GrantEntity } from './entities/grant.entity.js';
import { RoleEntity } from './entities/role.entity.js';
import { scopeCovers, scopeMatches, type Scope } from '../common/vocabulary/scope.js';
import type { Verb } from '../common/vocabulary/verbs.js';

/** A live grant with its role's verbs resolved. */
export interface EffectiveGrant extends Scope {
  readonly id: string;
  readonly subject: string;
  readonly role: string;
  readonly verbs: readonly Verb[];
  readonly expiresAt: Date | null;
  readonly reason: string | null;
  readonly createdBy: string;
  readonly createdAt: Date;
}

export interface Target {
  readonly namespace: string;
  readonly name: string;
}

export interface Decision {
  readonly allowed: boolean;
  readonly reason: string;
  readonly matchedGrants: readonly EffectiveGrant[];
}

/** An allowed decision, with the id of the audit event that recorded it (a mutation's intent). */
export interface RecordedDecision extends Decision {
  readonly auditEventId: string;
}

/**
 * Authorization decisions: default deny, grants matched by subject, verb, namespace
 * and name glob; expired grants never match. The only place that answers "may this caller…".
 */
@Injectable()
export class PolicyService {
  // One grant lookup per request: the guard and the service share the memoised result.
  private readonly grantsByActor = new WeakMap<Actor, Promise<EffectiveGrant[]>>();

  constructor(
    @InjectRepository(GrantEntity) private readonly grants: Repository<GrantEntity>,
    @InjectRepository(RoleEntity) private readonly roles: Repository<RoleEntity>,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly audit: AuditService,
    private readonly metrics: MetricsService,
  ) {}

  effectiveGrants(actor: Actor): Promise<EffectiveGrant[]> {
    let grants = this.grantsByActor.get(actor);
    if (!grants) {
      grants = this.grantsOfSubjects(actor.subjects);
      this.grantsByActor.set(actor, grants);
    }
    return grants;
  }

  async grantsOfSubjects(subjects: readonly string[]): Promise<EffectiveGrant[]> {
    const rows = await this.grants.find({ where: { subject: In([...subjects]) } });
    const now = Date.now();
    return this.resolve(rows.filter((row) => row.expiresAt === null || row.expiresAt.getTime() > now));
  }

  /** Attaches each grant's role verbs (one query for all the roles involved). */
  async resolve(rows: readonly GrantEntity[]): Promise<EffectiveGrant[]> {
    if (rows.length === 0) return [];
    const roles = await this.roles.findBy({ name: In([...new Set(rows.map((row) => row.roleName))]) });
    const verbsByRole = new Map(roles.map((role) => [role.name, role.verbs]));
    return rows.map((row) => toEffectiveGrant(row, verbsByRole.get(row.roleName) ?? []));
  }

  async decide(actor: Actor, verb: Verb, target: Target): Promise<Decision> {
    return this.decideWith(await this.effectiveGrants(actor), verb, target);
  }

  decideWith(grants: readonly EffectiveGrant[], verb: Verb, target: Target): Decision {
    if (!this.isManagedNamespace(target.namespace)) {
      return {
        allowed: false,
        reason: `namespace ${target.namespace} is not managed by the broker`,
        matchedGrants: [],
      };
    }
    const matched = grants.filter(
      (grant) => grant.verbs.includes(verb) && scopeMatches(grant, target.namespace, target.name),
    );
    if (matched.length === 0) {
      return {
        allowed: false,
        reason: `no grant gives ${verb} on ${target.namespace}/${target.name}`,
        matchedGrants: [],
      };
    }
    return { allowed: true, reason: `allowed by ${matched.length} grant(s)`, matchedGrants: matched };
  }

  /**
   * Decides, records the decision in the audit trail (fail-closed: no event, no access) and
   * throws FORBIDDEN unless allowed. Call before any lookup, so a denial leaks no existence.
   * `alsoRequired` verbs must be held on the target too (a rotation with chosen generators also
   * needs `update`); one event records the whole decision, or the first verb refused.
   */
  async assertCan(
    actor: Actor,
    verb: Verb,
    target: Target,
    alsoRequired: readonly Verb[] = [],
  ): Promise<RecordedDecision> {
    const grants = await this.effectiveGrants(actor);
    const verbs = [verb, ...alsoRequired];
    const refused = verbs
      .map((each) => [each, this.decideWith(grants, each, target)] as const)
      .find(([, decision]) => !decision.allowed);
    const decision = refused ? refused[1] : this.decideWith(grants, verb, target);
    const combined =
      refused || alsoRequired.length === 0
        ? decision
        : {
            ...decision,
            reason: `${decision.reason}; also holds ${alsoRequired.join(', ')}`,
            matchedGrants: this.matchedForAll(grants, verbs, target),
          };
    const event = await this.recordDecision(actor, refused ? refused[0] : verb, combined, target);
    if (!combined.allowed) throw new DomainError(ErrorCode.Forbidden, `Permission denied: ${combined.reason}`);
    return { ...combined, auditEventId: event.id };
  }

  private matchedForAll(grants: readonly EffectiveGrant[], verbs: readonly Verb[], target: Target): EffectiveGrant[] {
    return [...new Set(verbs.flatMap((verb) => this.decideWith(grants, verb, target).matchedGrants))];
  }

  /** For namespace-wide operations (listing): some grant gives `verb` for some names there. */
  async assertCanInNamespace(actor: Actor, verb: Verb, namespace: string): Promise<void> {
    const grants = await this.effectiveGrants(actor);
    const matchedGrants = this.isManagedNamespace(namespace)
      ? grants.filter(
          (grant) => grant.verbs.includes(verb) && (grant.namespace === '*' || grant.namespace === namespace),
        )
      : [];
    const allowed = matchedGrants.length > 0;
    const reason = allowed
      ? `allowed by ${matchedGrants.length} grant(s)`
      : `no grant gives ${verb} in namespace ${namespace}`;
    await this.recordDecision(actor, verb, { allowed, reason, matchedGrants }, { namespace });
    if (!allowed) throw new DomainError(ErrorCode.Forbidden, `Permission denied: ${reason}`);
  }

  async holdsVerbAnywhere(actor: Actor, verb: Verb): Promise<boolean> {
    return (await this.effectiveGrants(actor)).some((grant) => grant.verbs.includes(verb));
  }

  /**
   * The escalation rule (Kubernetes RBAC): each verb must be held by one grant whose scope
   * covers the whole of `scope`. With `lifetime` (the expiry of a grant being created, null for
   * none), those grants must also last as long: a grant never outlives its granter's covering
   * grant. Throws FORBIDDEN naming the verbs that are not held, or the latest expiry allowed.
   */
  async assertHoldsOver(
    actor: Actor,
    verbs: readonly Verb[],
    scope: Scope,
    lifetime?: { readonly expiresAt: Date | null },
  ): Promise<string> {
    const grants = await this.effectiveGrants(actor);
    const wanted = [...new Set(verbs)];
    const coveringOf = (verb: Verb) =>
      grants.filter((grant) => grant.verbs.includes(verb) && scopeCovers(grant, scope));
    const missing = wanted.filter((verb) => coveringOf(verb).length === 0);
    const where = `over namespace ${scope.namespace}, names ${scope.namePattern}`;
    let refusal: { reason: string; details?: Record<string, unknown> } | undefined =
      missing.length > 0 ? { reason: `you do not hold ${missing.join(', ')} ${where}` } : undefined;
    if (!refusal && lifetime) {
      const limit = earliest(wanted.map((verb) => latestExpiry(coveringOf(verb))));
      if (limit !== null && (lifetime.expiresAt === null || lifetime.expiresAt > limit)) {
        refusal = {
          reason: `a grant you create must expire no later than ${limit.toISOString()}, when your own grant ${where} expires`,
          details: { maxExpiresAt: limit.toISOString() },
        };
      }
    }
    const reason = refusal?.reason ?? `holds ${wanted.join(', ')} ${where}`;
    const event = await this.recordDecision(
      actor,
      verbs[0],
      { allowed: !refusal, reason, matchedGrants: [] },
      { namespace: scope.namespace, name: scope.namePattern },
    );
    if (refusal)
      throw new DomainError(ErrorCode.Forbidden, `Permission denied: ${refusal.reason}`, { details: refusal.details });
    return event.id;
  }

  /**
   * Records the decision behind a listing that the route guard allowed (the caller holds `verb`
   * somewhere; the service then filters what it shows), so every read is in the audit trail.
   */
  async recordListing(actor: Actor, verb: Verb): Promise<void> {
    const matchedGrants = (await this.effectiveGrants(actor)).filter((grant) => grant.verbs.includes(verb));
    const allowed = matchedGrants.length > 0;
    const reason = allowed ? `listing allowed by ${matchedGrants.length} grant(s)` : `no grant gives ${verb}`;
    await this.recordDecision(actor, verb, { allowed, reason, matchedGrants }, {});
    if (!allowed) throw new DomainError(ErrorCode.Forbidden, `Permission denied: ${reason}`);
  }

  /** Whether the caller manages grants over the whole of `scope` (what it may see and touch). */
  async managesScope(actor: Actor, scope: Scope): Promise<boolean> {
    const grants = await this.effectiveGrants(actor);
    return grants.some((grant) => grant.verbs.includes('grants:manage') && scopeCovers(grant, scope));
  }

  /** Every decision is counted and audited; the audit write failing refuses the request (503). */
  recordDecision(actor: Actor, verb: Verb, decision: Decision, target: { namespace?: string; name?: string }) {
    this.metrics.countDecision(verb, decision.allowed);
    return this.audit.record({
      actor,
      action: verb,
      outcome: decision.allowed ? 'allowed' : 'denied',
      target,
      matchedGrants: decision.matchedGrants.map((grant) => grant.id),
      reason: decision.reason,
    });
  }

  private isManagedNamespace(namespace: string): boolean {
    const managed = this.config.managedNamespaces;
    return managed === undefined || managed.includes(namespace);
  }
}

/** The latest expiry among `grants` (null: one never expires). */
function latestExpiry(grants: readonly EffectiveGrant[]): Date | null {
  if (grants.some((grant) => grant.expiresAt === null)) return null;
  return new Date(Math.max(...grants.map((grant) => (grant.expiresAt as Date).getTime())));
}

/** The earliest of some limits (null: unlimited). */
function earliest(limits: ReadonlyArray<Date | null>): Date | null {
  const bounded = limits.filter((limit): limit is Date => limit !== null);
  return bounded.length === 0 ? null : new Date(Math.min(...bounded.map((limit) => limit.getTime())));
}

export function toEffectiveGrant(row: GrantEntity, verbs: readonly Verb[]): EffectiveGrant {
  return {
    id: row.id,
    subject: row.subject,
    role: row.roleName,
    verbs,
    namespace: row.namespace,
    namePattern: row.namePattern,
    expiresAt: row.expiresAt,
    reason: row.reason,
    createdBy: row.createdBy,
    createdAt: row.createdAt,
  };
}
