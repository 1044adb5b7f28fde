import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { randomUUID } from 'node:crypto';
import { FindOptionsWhere, Repository } from 'typeorm';
import { AuditService, type OutcomeOf } from '../audit/audit.service.js';
import type { Actor } from '../common/actor.js';
import { DomainError, ErrorCode } from '../common/errors/domain-error.js';
import { AccessReviewInput } from './dto/access-review.input.js';
import { CreateGrantInput } from './dto/create-grant.input.js';
import { ListGrantsArgs } from './dto/list-grants.args.js';
import { GrantEntity } from './entities/grant.entity.js';
import { RoleEntity } from './entities/role.entity.js';
import { AccessReviewView } from './models/access-review.model.js';
import { toGrantView } from './grant-views.js';
import type { GrantView } from './models/grant.model.js';
import { WhoamiView } from './models/whoami.model.js';
import { GrantChanges } from './grant-changes.js';
import { toEffectiveGrant } from './grant-index.js';
import { PolicyService, type AccessRequest, type EffectiveGrant } from './policy.service.js';
import { Clock } from '../common/time/clock.js';
import { ANY } from '../common/vocabulary/scope.js';

/** Listing or fetching grants needs grants:manage somewhere; each grant is then shown only inside the caller's scope. */
const MANAGES_SOME_GRANTS: AccessRequest = { kind: 'anywhere', verb: 'grants:manage' };

/** Grant administration, access reviews and whoami. */
@Injectable()
export class GrantsService {
  constructor(
    @InjectRepository(GrantEntity) private readonly grants: Repository<GrantEntity>,
    @InjectRepository(RoleEntity) private readonly roles: Repository<RoleEntity>,
    private readonly policy: PolicyService,
    private readonly audit: AuditService,
    private readonly changes: GrantChanges,
    private readonly clock: Clock,
  ) {}

  async whoami(actor: Actor): Promise<WhoamiView> {
    const grants = await this.policy.effectiveGrants(actor);
    return Object.assign(new WhoamiView(), {
      subject: actor.subject,
      subjects: [...actor.subjects],
      grants: grants.map(toGrantView),
    });
  }

  async list(actor: Actor, filters: ListGrantsArgs): Promise<GrantView[]> {
    await this.policy.authorize(actor, MANAGES_SOME_GRANTS);
    const where: FindOptionsWhere<GrantEntity> = {};
    if (filters.subject) where.subject = filters.subject;
    if (filters.role) where.roleName = filters.role;
    if (filters.namespace) where.namespace = filters.namespace;
    const rows = await this.grants.find({ where, order: { createdAt: 'ASC', id: 'ASC' } });
    const visible: GrantEntity[] = [];
    for (const row of rows) if (await this.policy.managesScope(actor, row)) visible.push(row);
    return this.policy.resolve(visible).map(toGrantView);
  }

  async get(actor: Actor, id: string): Promise<GrantView> {
    await this.policy.authorize(actor, MANAGES_SOME_GRANTS);
    return toGrantView(await this.findVisible(actor, id));
  }

  async create(actor: Actor, input: CreateGrantInput): Promise<GrantView> {
    const role = await this.roles.findOneBy({ name: input.role });
    if (!role) throw new DomainError(ErrorCode.Unprocessable, `Role ${input.role} does not exist`);
    if (input.expiresAt && input.expiresAt.getTime() <= this.clock.now()) {
      throw new DomainError(ErrorCode.Unprocessable, 'expiresAt must be in the future');
    }
    const scope = { namespace: input.namespace, namePattern: input.namePattern ?? ANY };
    const { auditEventId: intentId } = await this.policy.authorize(actor, {
      kind: 'scope',
      verbs: ['grants:manage', ...role.verbs],
      scope,
      lifetime: { expiresAt: input.expiresAt ?? null },
      leaseCap: { maxLeaseTtlSeconds: leaseCapOf(input.maxLeaseTtlSeconds ?? null, role.maxLeaseTtlSeconds) },
    });
    const id = randomUUID();
    const saved = await this.audit.recordOutcome(
      changeOf(actor, intentId, 'create_grant', id, { subject: input.subject, roleName: role.name, ...scope }),
      () =>
        this.changes.write(
          (manager) =>
            manager.getRepository(GrantEntity).save(
              this.grants.create({
                id,
                subject: input.subject,
                roleName: role.name,
                ...scope,
                expiresAt: input.expiresAt ?? null,
                reason: input.reason ?? null,
                maxLeaseTtlSeconds: input.maxLeaseTtlSeconds ?? null,
                createdBy: actor.subject,
              }),
            ),
          // The role too: a replica that has not yet heard of a role made elsewhere still resolves the grant.
          (grant) => [
            { kind: 'role-saved', role },
            { kind: 'grant-saved', grant },
          ],
        ),
    );
    return toGrantView(toEffectiveGrant(saved, role));
  }

  async delete(actor: Actor, id: string): Promise<GrantView> {
    const grant = await this.findVisible(actor, id);
    const { auditEventId: intentId } = await this.policy.authorize(actor, {
      kind: 'scope',
      verbs: ['grants:manage', ...grant.verbs],
      scope: grant,
    });
    await this.audit.recordOutcome(
      changeOf(actor, intentId, 'delete_grant', id, { ...grant, roleName: grant.role }),
      () =>
        this.changes.write(
          (manager) => manager.getRepository(GrantEntity).delete({ id }),
          () => [{ kind: 'grant-deleted', id }],
        ),
    );
    return toGrantView(grant);
  }

  /** Self-reviews are open to everyone; reviewing another subject needs grants:manage there. */
  async review(actor: Actor, input: AccessReviewInput): Promise<AccessReviewView> {
    const target = { namespace: input.namespace, name: input.name };
    const reviewsSelf = input.subject === undefined || input.subject === actor.subject;
    if (!reviewsSelf) await this.policy.authorize(actor, { kind: 'target', verbs: ['grants:manage'], target });
    const grants = reviewsSelf
      ? await this.policy.effectiveGrants(actor)
      : this.policy.grantsOfSubjects([input.subject as string]);
    const decision = this.policy.evaluate(grants, { kind: 'target', verbs: [input.verb], target });
    // A manager sees another subject's grants only inside its own grants:manage scope.
    const shown: EffectiveGrant[] = [];
    for (const grant of decision.matchedGrants)
      if (reviewsSelf || (await this.policy.managesScope(actor, grant))) shown.push(grant);
    return Object.assign(new AccessReviewView(), {
      allowed: decision.allowed,
      reason: decision.reason,
      matchedGrants: shown.map(toGrantView),
      hiddenMatchedGrants: decision.matchedGrants.length - shown.length,
    });
  }

  /** Missing and out-of-scope grants answer alike, so ids reveal nothing beyond one's scope. */
  private async findVisible(actor: Actor, id: string): Promise<EffectiveGrant> {
    const row = await this.grants.findOneBy({ id });
    if (!row || !(await this.policy.managesScope(actor, row)))
      throw new DomainError(ErrorCode.NotFound, `Grant ${id} not found`);
    const [grant] = this.policy.resolve([row]);
    return grant;
  }
}

/** The lower of two caps (null: none). */
function leaseCapOf(grantCap: number | null, roleCap: number | null): number | null {
  if (grantCap === null) return roleCap;
  return roleCap === null ? grantCap : Math.min(grantCap, roleCap);
}

function changeOf(
  actor: Actor,
  intentId: string,
  operation: 'create_grant' | 'delete_grant',
  grantId: string,
  grant: { subject: string; roleName: string; namespace: string; namePattern: string },
): OutcomeOf {
  return {
    actor,
    action: 'grants:manage',
    intentId,
    target: { namespace: grant.namespace, name: grant.namePattern },
    details: { operation, grantId, subject: grant.subject, role: grant.roleName },
  };
}
