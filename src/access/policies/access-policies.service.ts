import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { AuditService } from '../../audit/audit.service.js';
import type { Actor } from '../../common/actor.js';
import { DomainError, ErrorCode } from '../../common/errors/domain-error.js';
import { Clock } from '../../common/time/clock.js';
import { ANY, type Scope } from '../../common/vocabulary/scope.js';
import type { Verb } from '../../common/vocabulary/verbs.js';
import { PolicyService } from '../../grants/policy.service.js';
import { TemporaryGrants } from '../../grants/temporary-grants.js';
import { requestEvent } from '../requests/access-request-audit.js';
import { AccessRequestStore, type RequestTransaction } from '../requests/access-request.store.js';
import type { AccessRequestEntity } from '../requests/entities/access-request.entity.js';
import {
  DEFAULT_PENDING_TTL_SECONDS,
  type AccessPolicyInput,
  type CreateAccessPolicyInput,
} from './dto/access-policy.input.js';
import { AccessPolicyEntity } from './entities/access-policy.entity.js';
import type { AccessPolicyView } from './models/access-policy.model.js';
import { misfitOf, policyScope, toAccessPolicyView } from './policy-rules.js';

/**
 * Access policies. Managing one needs `grants:manage` over its whole scope and every verb of the
 * roles it offers (the escalation rule: nobody offers access they could not grant). Requesters
 * and approvers of a policy may read it. A change that leaves pending requests outside the
 * policy, or its removal, invalidates them in the same transaction.
 */
@Injectable()
export class AccessPoliciesService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly policy: PolicyService,
    private readonly grants: TemporaryGrants,
    private readonly requests: AccessRequestStore,
    private readonly audit: AuditService,
    @Inject(Clock) private readonly clock: Pick<Clock, 'now'>,
  ) {}

  private get policies() {
    return this.dataSource.getRepository(AccessPolicyEntity);
  }

  async list(actor: Actor): Promise<AccessPolicyView[]> {
    const rows = await this.policies.find({ order: { name: 'ASC' } });
    const visible: AccessPolicyView[] = [];
    for (const row of rows) if (await this.maySee(actor, row)) visible.push(toAccessPolicyView(row));
    return visible;
  }

  async get(actor: Actor, name: string): Promise<AccessPolicyView> {
    const row = await this.policies.findOneBy({ name });
    if (!row || !(await this.maySee(actor, row))) throw notFound(name);
    return toAccessPolicyView(row);
  }

  async create(actor: Actor, input: CreateAccessPolicyInput): Promise<AccessPolicyView> {
    const scope = scopeOf(input);
    const intent = await this.policy.authorize(actor, this.managing(scope, input.roles));
    const now = new Date(this.clock.now());
    const row = this.policies.create({
      ...settingsOf(input),
      name: input.name,
      createdBy: actor.subject,
      createdAt: now,
      updatedAt: now,
    });
    await this.audit.recordOutcome(managed(actor, intent.auditEventId, 'create_access_policy', row), () =>
      this.requests.change(async (tx) => {
        if (await tx.manager.getRepository(AccessPolicyEntity).existsBy({ name: input.name })) {
          throw new DomainError(ErrorCode.Conflict, `Access policy ${input.name} already exists`);
        }
        await tx.manager.getRepository(AccessPolicyEntity).insert(row);
      }),
    );
    return toAccessPolicyView(row);
  }

  /** Replaces every setting; the caller must manage both the old and the new scope and roles. */
  async update(actor: Actor, name: string, input: AccessPolicyInput): Promise<AccessPolicyView> {
    const existing = await this.findManaged(actor, name);
    await this.policy.authorize(actor, this.managing(policyScope(existing), existing.roles));
    const intent = await this.policy.authorize(actor, this.managing(scopeOf(input), input.roles));
    const updated: AccessPolicyEntity = { ...existing, ...settingsOf(input), updatedAt: new Date(this.clock.now()) };
    const invalidated = await this.audit.recordOutcome(
      managed(actor, intent.auditEventId, 'update_access_policy', updated),
      () =>
        this.requests.change(async (tx) => {
          const result = await tx.manager.getRepository(AccessPolicyEntity).update({ name }, settingsAndTime(updated));
          if (result.affected !== 1) throw notFound(name);
          const ended: AccessRequestEntity[] = [];
          for (const request of await this.requests.pendingOf(tx, name)) {
            const misfit = misfitOf(updated, request);
            if (misfit && (await this.invalidate(tx, request, actor, `policy ${name} changed: ${misfit}`)))
              ended.push(request);
          }
          return ended;
        }),
    );
    await this.recordInvalidations(actor, invalidated);
    return toAccessPolicyView(updated);
  }

  /** Removes the policy; its pending requests are invalidated, and every request stays on record. */
  async delete(actor: Actor, name: string): Promise<AccessPolicyView> {
    const existing = await this.findManaged(actor, name);
    const intent = await this.policy.authorize(actor, this.managing(policyScope(existing), existing.roles));
    const invalidated = await this.audit.recordOutcome(
      managed(actor, intent.auditEventId, 'delete_access_policy', existing),
      () =>
        this.requests.change(async (tx) => {
          const result = await tx.manager.getRepository(AccessPolicyEntity).delete({ name });
          if (result.affected !== 1) throw notFound(name);
          const ended: AccessRequestEntity[] = [];
          for (const request of await this.requests.pendingOf(tx, name)) {
            if (await this.invalidate(tx, request, actor, `policy ${name} was removed`)) ended.push(request);
          }
          return ended;
        }),
    );
    await this.recordInvalidations(actor, invalidated);
    return toAccessPolicyView(existing);
  }

  private async invalidate(
    tx: RequestTransaction,
    request: AccessRequestEntity,
    actor: Actor,
    reason: string,
  ): Promise<boolean> {
    const resolved = await this.requests.resolve(tx, request, 'invalidated', {
      resolvedAt: new Date(this.clock.now()),
      resolvedBy: actor.subject,
      resolutionReason: reason,
    });
    if (resolved) await tx.announce('access_request.invalidated', request, actor.subject);
    return resolved;
  }

  private async recordInvalidations(actor: Actor, requests: readonly AccessRequestEntity[]): Promise<void> {
    for (const request of requests) {
      await this.audit.record(
        requestEvent(actor, 'access_request.invalidate', 'succeeded', request, {
          reason: request.resolutionReason ?? undefined,
        }),
      );
    }
  }

  /** grants:manage and every verb of the offered roles, over the whole scope. */
  private managing(scope: Scope, roles: readonly string[]) {
    const verbs: Verb[] = ['grants:manage'];
    for (const role of roles) {
      const roleVerbs = this.grants.verbsOf(role);
      if (!roleVerbs) throw new DomainError(ErrorCode.Unprocessable, `Role ${role} does not exist`);
      verbs.push(...roleVerbs);
    }
    return { kind: 'scope' as const, verbs: [verbs[0], ...verbs.slice(1)] as [Verb, ...Verb[]], scope };
  }

  /** A policy outside the caller's grants:manage answers like a missing one. */
  private async findManaged(actor: Actor, name: string): Promise<AccessPolicyEntity> {
    const row = await this.policies.findOneBy({ name });
    if (!row || !(await this.policy.managesScope(actor, policyScope(row)))) throw notFound(name);
    return row;
  }

  /** Its managers, its requesters, and whoever may approve over its scope. */
  private async maySee(actor: Actor, row: AccessPolicyEntity): Promise<boolean> {
    if (actor.subjects.some((subject) => row.requesters.includes(subject))) return true;
    const grants = await this.policy.effectiveGrants(actor);
    const over = (verb: Verb) =>
      this.policy.evaluate(grants, { kind: 'scope', verbs: [verb], scope: policyScope(row) }).allowed;
    return over('grants:manage') || over('approve');
  }
}

function scopeOf(input: AccessPolicyInput): Scope {
  return { namespace: input.namespace, namePattern: input.namePattern ?? ANY };
}

function settingsOf(input: AccessPolicyInput) {
  return {
    ...scopeOf(input),
    roles: [...input.roles],
    requesters: [...input.requesters],
    approvalsRequired: input.approvalsRequired,
    maxDurationSeconds: input.maxDurationSeconds,
    pendingTtlSeconds: input.pendingTtlSeconds ?? DEFAULT_PENDING_TTL_SECONDS,
    requireReason: input.requireReason ?? false,
    breakGlassSubjects: input.breakGlass ? [...input.breakGlass.subjects] : null,
    breakGlassMaxDurationSeconds: input.breakGlass?.maxDurationSeconds ?? null,
  };
}

/** What an update writes: every setting and the time, never the name or who created it. */
function settingsAndTime(policy: AccessPolicyEntity) {
  return { ...settingsOf({ ...policy, breakGlass: breakGlassOf(policy) }), updatedAt: policy.updatedAt };
}

function breakGlassOf(policy: AccessPolicyEntity) {
  return policy.breakGlassSubjects && policy.breakGlassMaxDurationSeconds !== null
    ? { subjects: policy.breakGlassSubjects, maxDurationSeconds: policy.breakGlassMaxDurationSeconds }
    : undefined;
}

function managed(actor: Actor, intentId: string, operation: string, policy: AccessPolicyEntity) {
  return {
    actor,
    action: 'grants:manage' as const,
    intentId,
    target: { namespace: policy.namespace, name: policy.namePattern },
    details: { operation, accessPolicy: policy.name, roles: policy.roles.join(',') },
  };
}

function notFound(name: string): DomainError {
  return new DomainError(ErrorCode.NotFound, `Access policy ${name} not found`);
}
