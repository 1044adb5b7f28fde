import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { AuditService, type OutcomeOf } from '../audit/audit.service.js';
import type { Actor } from '../common/actor.js';
import { DomainError, ErrorCode } from '../common/errors/domain-error.js';
import { CreateRoleInput } from './dto/create-role.input.js';
import { GrantEntity } from './entities/grant.entity.js';
import { RoleEntity } from './entities/role.entity.js';
import { GrantCache } from './grant-cache.js';
import { GrantChanges } from './grant-changes.js';
import { toRoleView } from './grant-views.js';
import type { RoleView } from './models/role.model.js';
import { PolicyService } from './policy.service.js';
import { ANY } from '../common/vocabulary/scope.js';
import type { Verb } from '../common/vocabulary/verbs.js';

// Roles are cluster-wide, so defining one needs its verbs over everything (as a ClusterRole does).
const EVERYWHERE = { namespace: ANY, namePattern: ANY };

@Injectable()
export class RolesService {
  constructor(
    @InjectRepository(RoleEntity) private readonly roles: Repository<RoleEntity>,
    private readonly policy: PolicyService,
    private readonly audit: AuditService,
    private readonly cache: GrantCache,
    private readonly changes: GrantChanges,
  ) {}

  async list(actor: Actor): Promise<RoleView[]> {
    await this.policy.authorize(actor, { kind: 'anywhere', verb: 'grants:manage' });
    return this.cache
      .roles()
      .sort((a, b) => (a.name < b.name ? -1 : 1))
      .map(toRoleView);
  }

  async create(actor: Actor, input: CreateRoleInput): Promise<RoleView> {
    const { auditEventId: intentId } = await this.policy.authorize(actor, {
      kind: 'scope',
      verbs: ['grants:manage', ...input.verbs],
      scope: EVERYWHERE,
    });
    const verbs = [...new Set<Verb>(input.verbs)];
    const role = await this.audit.recordOutcome(changeOf(actor, intentId, 'create_role', input.name, verbs), () =>
      this.changes.write(
        async (manager) => {
          const roles = manager.getRepository(RoleEntity);
          if (await roles.existsBy({ name: input.name })) {
            throw new DomainError(ErrorCode.Conflict, `Role ${input.name} already exists`);
          }
          return roles.save(
            roles.create({
              name: input.name,
              verbs,
              builtIn: false,
              description: input.description ?? null,
              maxLeaseTtlSeconds: input.maxLeaseTtlSeconds ?? null,
            }),
          );
        },
        (saved) => [{ kind: 'role-saved', role: saved }],
      ),
    );
    return toRoleView(role);
  }

  async delete(actor: Actor, name: string): Promise<RoleView> {
    const role = await this.roles.findOneBy({ name });
    if (!role) throw new DomainError(ErrorCode.NotFound, `Role ${name} not found`);
    const { auditEventId: intentId } = await this.policy.authorize(actor, {
      kind: 'scope',
      verbs: ['grants:manage', ...role.verbs],
      scope: EVERYWHERE,
    });
    await this.audit.recordOutcome(changeOf(actor, intentId, 'delete_role', name, role.verbs), async () => {
      if (role.builtIn) throw new DomainError(ErrorCode.Conflict, `Role ${name} is built in and cannot be deleted`);
      await this.changes.write(
        async (manager) => {
          const uses = await manager.getRepository(GrantEntity).countBy({ roleName: name });
          if (uses > 0)
            throw new DomainError(ErrorCode.Conflict, `Role ${name} is used by ${uses} grant(s); delete them first`);
          await manager.getRepository(RoleEntity).delete({ name });
        },
        () => [{ kind: 'role-deleted', name }],
      );
    });
    return toRoleView(role);
  }
}

function changeOf(
  actor: Actor,
  intentId: string,
  operation: 'create_role' | 'delete_role',
  role: string,
  verbs: readonly Verb[],
): OutcomeOf {
  return { actor, action: 'grants:manage', intentId, details: { operation, role, verbs: verbs.join(',') } };
}
