import { Inject, Injectable } from '@nestjs/common';
import { AuditService } from '../audit/audit.service.js';
import type { Actor } from '../common/actor.js';
import { DomainError, ErrorCode } from '../common/errors/domain-error.js';
import type { Scope } from '../common/vocabulary/scope.js';
import type { Verb } from '../common/vocabulary/verbs.js';
import type { AppConfig } from '../config/app-config.js';
import { APP_CONFIG } from '../config/config.module.js';
import { MetricsService } from '../metrics/metrics.service.js';
import { Clock } from '../common/time/clock.js';
import { decide, isLive, type AccessRequest, type Decision, type EffectiveGrant } from './decision.js';
import type { GrantEntity } from './entities/grant.entity.js';
import { GrantCache } from './grant-cache.js';
import { toEffectiveGrant } from './grant-index.js';
import { CHECKPOINT_CONFIGMAP } from '../audit/checkpoint-locations.js';
import { reservedObjects, type ReservedObjects } from './reserved-objects.js';

export type { AccessRequest, Decision, EffectiveGrant, Target } from './decision.js';

/** An allowed decision, with the id of the audit event that recorded it (a mutation's intent). */
export interface RecordedDecision extends Decision {
  readonly auditEventId: string;
}

/**
 * The only place that answers "may this caller…": takes the caller's grants from the in-memory
 * GrantCache, decides with the pure `decide`, and enforces through one path (decide → record →
 * refuse). Every decision is taken before the lookup or query it guards, so a refusal reveals
 * nothing.
 */
@Injectable()
export class PolicyService {
  // One set of grants per request: the guard and the service decide on the same view.
  private readonly grantsByActor = new WeakMap<Actor, Promise<EffectiveGrant[]>>();
  private readonly reserved: ReservedObjects;

  constructor(
    private readonly cache: GrantCache,
    @Inject(APP_CONFIG)
    private readonly config: Pick<AppConfig, 'managedNamespaces' | 'exposure' | 'auditCheckpoint'>,
    @Inject(AuditService) private readonly audit: Pick<AuditService, 'record'>,
    @Inject(MetricsService) private readonly metrics: Pick<MetricsService, 'countDecision'>,
    private readonly clock: Clock,
  ) {
    const own = config.exposure.ownObjects;
    this.reserved = reservedObjects([
      { namespace: own.namespace, name: own.serviceAccount },
      { namespace: own.namespace, name: own.configSecret },
      { namespace: config.auditCheckpoint.namespace, name: CHECKPOINT_CONFIGMAP },
    ]);
  }

  effectiveGrants(actor: Actor): Promise<EffectiveGrant[]> {
    let grants = this.grantsByActor.get(actor);
    if (!grants) {
      grants = Promise.resolve(this.grantsOfSubjects(actor.subjects));
      this.grantsByActor.set(actor, grants);
    }
    return grants;
  }

  /** The grants of `subjects` that apply now (decisions check their window again at their own time). */
  grantsOfSubjects(subjects: readonly string[]): EffectiveGrant[] {
    const now = new Date(this.clock.now());
    return this.cache.grantsOf(subjects).filter((grant) => isLive(grant, now));
  }

  /** Attaches each grant's role verbs. */
  resolve(rows: readonly GrantEntity[]): EffectiveGrant[] {
    return rows.map((row) => toEffectiveGrant(row, this.cache.roleOf(row.roleName)));
  }

  /** Decides without recording: for filtering what a decision already allowed (names in a listing). */
  evaluate(grants: readonly EffectiveGrant[], request: AccessRequest): Decision {
    return decide(grants, request, {
      managedNamespaces: this.config.managedNamespaces,
      reserved: this.reserved,
      now: new Date(this.clock.now()),
    });
  }

  /**
   * Decides, records the decision (fail-closed: no event, no access) and throws FORBIDDEN unless
   * allowed. The returned event id is a mutation's intent.
   */
  async authorize(actor: Actor, request: AccessRequest): Promise<RecordedDecision> {
    const decision = this.evaluate(await this.effectiveGrants(actor), request);
    const event = await this.record(actor, request, decision);
    return { ...decision, auditEventId: event.id };
  }

  /**
   * Route-level check (the caller holds the verb somewhere). Only a refusal is recorded here: an
   * allowed request is recorded by the service's own, exact decision, once.
   */
  async guardRoute(actor: Actor, verb: Verb): Promise<void> {
    const request: AccessRequest = { kind: 'anywhere', verb };
    const decision = this.evaluate(await this.effectiveGrants(actor), request);
    if (!decision.allowed) await this.record(actor, request, decision);
  }

  /** Whether the caller manages grants over the whole of `scope` (what it may see and touch). */
  async managesScope(actor: Actor, scope: Scope): Promise<boolean> {
    return this.evaluate(await this.effectiveGrants(actor), { kind: 'scope', verbs: ['grants:manage'], scope }).allowed;
  }

  /** Every decision is counted and audited; the audit write failing refuses the request (503). */
  private async record(actor: Actor, request: AccessRequest, decision: Decision): Promise<{ id: string }> {
    this.metrics.countDecision(decision.verb, decision.allowed);
    const event = await this.audit.record({
      actor,
      action: decision.verb,
      outcome: decision.allowed ? 'allowed' : 'denied',
      target: auditTarget(request),
      matchedGrants: decision.matchedGrants.map((grant) => grant.id),
      reason: decision.reason,
    });
    if (!decision.allowed) {
      throw new DomainError(ErrorCode.Forbidden, `Permission denied: ${decision.reason}`, {
        details: decision.details,
      });
    }
    return event;
  }
}

function auditTarget(request: AccessRequest): { namespace?: string; name?: string } {
  switch (request.kind) {
    case 'target':
      return request.target;
    case 'namespace':
      return { namespace: request.namespace };
    case 'anywhere':
      return {};
    case 'scope':
      return { namespace: request.scope.namespace, name: request.scope.namePattern };
  }
}
