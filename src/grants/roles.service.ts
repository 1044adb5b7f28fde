import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { AuditService } from '../audit/audit.service.js';
import type { Actor } from '../auth/actor.js';
import { DomainError, ErrorCode } from '../common/errors/domain-error.js';
import { CreateRoleInput } from './dto/create-role.input.js';
import { GrantEntity } from './entities/grant.entity.js';
import { RoleEntity } from './entities/role.entity.js';
import { RoleView, toRoleView } from './models/role.model.js';
import { PolicyService } from './policy.service.js';
import { ANY } from './scope.js';
import type { Verb } from './verbs.js';

// Roles are cluster-wide, so defining one needs its verbs over everything (as a ClusterRole does).
const EVERYWHERE = { namespace: ANY, namePattern: ANY };

@Injectable()
export class RolesService {
  constructor(
    @InjectRepository(RoleEntity) private readonly roles: Repository<RoleEntity>,
    @InjectRepository(GrantEntity) private readonly grants: Repository<GrantEntity>,
    private readonly policy: PolicyService,
    private readonly audit: AuditService,
  ) {}

  async list(): Promise<RoleView[]> {
    return (await this.roles.find({ order: { name: 'ASC' } })).map(toRoleView);
  }

  async create(actor: Actor, input: CreateRoleInput): Promise<RoleView> {
    await this.policy.assertHoldsOver(actor, ['grants:manage', ...input.verbs], EVERYWHERE);
    if (await this.roles.existsBy({ name: input.name })) {
      throw new DomainError(ErrorCode.Conflict, `Role ${input.name} already exists`);
    }
    const role = await this.roles.save(
      this.roles.create({
        name: input.name,
        verbs: [...new Set<Verb>(input.verbs)],
        builtIn: false,
        description: input.description ?? null,
      }),
    );
    await this.recordChange(actor, 'create_role', role);
    return toRoleView(role);
  }

  async delete(actor: Actor, name: string): Promise<RoleView> {
    const role = await this.roles.findOneBy({ name });
    if (!role) throw new DomainError(ErrorCode.NotFound, `Role ${name} not found`);
    await this.policy.assertHoldsOver(actor, ['grants:manage', ...role.verbs], EVERYWHERE);
    if (role.builtIn) throw new DomainError(ErrorCode.Conflict, `Role ${name} is built in and cannot be deleted`);
    const uses = await this.grants.countBy({ roleName: name });
    if (uses > 0) {
      throw new DomainError(ErrorCode.Conflict, `Role ${name} is used by ${uses} grant(s); delete them first`);
    }
    await this.roles.delete({ name });
    await this.recordChange(actor, 'delete_role', role);
    return toRoleView(role);
  }

  private async recordChange(actor: Actor, operation: 'create_role' | 'delete_role', role: RoleEntity): Promise<void> {
    await this.audit.record({
      actor,
      action: 'grants:manage',
      outcome: 'succeeded',
      details: { operation, role: role.name, verbs: role.verbs.join(',') },
    });
  }
}
