import { Inject, Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { In, Repository } from 'typeorm';
import type { Actor } from '../auth/actor.js';
import { DomainError, ErrorCode } from '../common/errors/domain-error.js';
import type { AppConfig } from '../config/app-config.js';
import { APP_CONFIG } from '../config/config.module.js';
import { GrantEntity } from './entities/grant.entity.js';
import { RoleEntity } from './entities/role.entity.js';
import { scopeCovers, scopeMatches, type Scope } from './scope.js';
import type { Verb } from './verbs.js';

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

/**
 * Authorization decisions (SPEC §2): default deny, grants matched by subject, verb, namespace
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
      return { allowed: false, reason: `namespace ${target.namespace} is not managed by the broker`, matchedGrants: [] };
    }
    const matched = grants.filter(
      (grant) => grant.verbs.includes(verb) && scopeMatches(grant, target.namespace, target.name),
    );
    if (matched.length === 0) {
      return { allowed: false, reason: `no grant gives ${verb} on ${target.namespace}/${target.name}`, matchedGrants: [] };
    }
    return { allowed: true, reason: `allowed by ${matched.length} grant(s)`, matchedGrants: matched };
  }

  /** Throws FORBIDDEN unless allowed; call before any lookup so denial leaks no existence. */
  async assertCan(actor: Actor, verb: Verb, target: Target): Promise<Decision> {
    const decision = await this.decide(actor, verb, target);
    if (!decision.allowed) throw new DomainError(ErrorCode.Forbidden, `Permission denied: ${decision.reason}`);
    return decision;
  }

  /** For namespace-wide operations (listing): some grant gives `verb` for some names there. */
  async assertCanInNamespace(actor: Actor, verb: Verb, namespace: string): Promise<void> {
    const grants = await this.effectiveGrants(actor);
    const allowed =
      this.isManagedNamespace(namespace) &&
      grants.some((grant) => grant.verbs.includes(verb) && (grant.namespace === '*' || grant.namespace === namespace));
    if (!allowed) throw new DomainError(ErrorCode.Forbidden, `Permission denied: no grant gives ${verb} in namespace ${namespace}`);
  }

  async holdsVerbAnywhere(actor: Actor, verb: Verb): Promise<boolean> {
    return (await this.effectiveGrants(actor)).some((grant) => grant.verbs.includes(verb));
  }

  /**
   * The escalation rule (Kubernetes RBAC): each verb must be held by one grant whose scope
   * covers the whole of `scope`. Throws FORBIDDEN naming the verbs that are not.
   */
  async assertHoldsOver(actor: Actor, verbs: readonly Verb[], scope: Scope): Promise<void> {
    const grants = await this.effectiveGrants(actor);
    const missing = [...new Set(verbs)].filter(
      (verb) => !grants.some((grant) => grant.verbs.includes(verb) && scopeCovers(grant, scope)),
    );
    if (missing.length > 0) {
      throw new DomainError(
        ErrorCode.Forbidden,
        `Permission denied: you do not hold ${missing.join(', ')} over namespace ${scope.namespace}, names ${scope.namePattern}`,
      );
    }
  }

  /** Namespaces in which the caller manages grants (`*` for all). */
  async managedNamespacesOf(actor: Actor): Promise<Set<string>> {
    const grants = await this.effectiveGrants(actor);
    return new Set(grants.filter((grant) => grant.verbs.includes('grants:manage')).map((grant) => grant.namespace));
  }

  private isManagedNamespace(namespace: string): boolean {
    const managed = this.config.managedNamespaces;
    return managed === undefined || managed.includes(namespace);
  }
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
