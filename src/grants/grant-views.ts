import type { EffectiveGrant } from './decision.js';
import type { RoleEntity } from './entities/role.entity.js';
import { GrantSourceView, GrantView } from './models/grant.model.js';
import { RoleView } from './models/role.model.js';

/** Mapping from grants and roles to the API views, shared by REST and GraphQL. */
export function toGrantView(grant: EffectiveGrant): GrantView {
  return Object.assign(new GrantView(), {
    id: grant.id,
    subject: grant.subject,
    role: grant.role,
    verbs: [...grant.verbs],
    namespace: grant.namespace,
    namePattern: grant.namePattern,
    notBefore: grant.notBefore,
    expiresAt: grant.expiresAt,
    source: grant.source ? Object.assign(new GrantSourceView(), grant.source) : undefined,
    reason: grant.reason,
    maxLeaseTtlSeconds: grant.maxLeaseTtlSeconds,
    createdBy: grant.createdBy,
    createdAt: grant.createdAt,
  });
}

export function toRoleView(role: RoleEntity): RoleView {
  return Object.assign(new RoleView(), {
    name: role.name,
    verbs: [...role.verbs],
    builtIn: role.builtIn,
    description: role.description,
    maxLeaseTtlSeconds: role.maxLeaseTtlSeconds ?? null,
    createdAt: role.createdAt,
  });
}
