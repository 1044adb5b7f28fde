import type { EffectiveGrant } from './decision.js';
import type { GrantEntity } from './entities/grant.entity.js';
import type { RoleEntity } from './entities/role.entity.js';

/** A committed change to grants or roles, as the writer applies it to its own cache. */
export type GrantChange =
  | { readonly kind: 'grant-saved'; readonly grant: GrantEntity }
  | { readonly kind: 'grant-deleted'; readonly id: string }
  | { readonly kind: 'role-saved'; readonly role: RoleEntity }
  | { readonly kind: 'role-deleted'; readonly name: string };

/**
 * Every grant and role in memory, grants indexed by subject, so finding a caller's grants costs
 * its own grants, not all of them. Expired grants are kept: expiry is decided at decision time.
 */
export class GrantIndex {
  private readonly bySubject = new Map<string, Map<string, GrantEntity>>();
  private readonly byId = new Map<string, GrantEntity>();
  private readonly rolesByName = new Map<string, RoleEntity>();

  constructor(roles: readonly RoleEntity[] = [], grants: readonly GrantEntity[] = []) {
    for (const role of roles) this.rolesByName.set(role.name, role);
    for (const grant of grants) this.saveGrant(grant);
  }

  get size(): { readonly grants: number; readonly roles: number } {
    return { grants: this.byId.size, roles: this.rolesByName.size };
  }

  apply(change: GrantChange): void {
    switch (change.kind) {
      case 'grant-saved':
        this.saveGrant(change.grant);
        return;
      case 'grant-deleted':
        this.deleteGrant(change.id);
        return;
      case 'role-saved':
        this.rolesByName.set(change.role.name, change.role);
        return;
      case 'role-deleted':
        this.rolesByName.delete(change.name);
        return;
    }
  }

  /** The grants held by any of `subjects`, with their roles' verbs (none for an unknown role). */
  grantsOf(subjects: Iterable<string>): EffectiveGrant[] {
    const grants: EffectiveGrant[] = [];
    for (const subject of new Set(subjects)) {
      for (const grant of this.bySubject.get(subject)?.values() ?? []) {
        grants.push(toEffectiveGrant(grant, this.rolesByName.get(grant.roleName)));
      }
    }
    return grants;
  }

  roleOf(roleName: string): RoleEntity | undefined {
    return this.rolesByName.get(roleName);
  }

  /** Every grant, with its role's verbs (finding who holds a verb somewhere: approvers). */
  allGrants(): EffectiveGrant[] {
    return [...this.byId.values()].map((grant) => toEffectiveGrant(grant, this.rolesByName.get(grant.roleName)));
  }

  roles(): RoleEntity[] {
    return [...this.rolesByName.values()];
  }

  private saveGrant(grant: GrantEntity): void {
    this.deleteGrant(grant.id);
    this.byId.set(grant.id, grant);
    const held = this.bySubject.get(grant.subject);
    if (held) held.set(grant.id, grant);
    else this.bySubject.set(grant.subject, new Map([[grant.id, grant]]));
  }

  private deleteGrant(id: string): void {
    const grant = this.byId.get(id);
    if (!grant) return;
    this.byId.delete(id);
    const held = this.bySubject.get(grant.subject);
    held?.delete(id);
    if (held?.size === 0) this.bySubject.delete(grant.subject);
  }
}

/** The keys changes touch, by table (what a notice names, for other replicas to read again). */
export interface TouchedKeys {
  readonly grants: readonly string[];
  readonly roles: readonly string[];
}

export function touchedBy(changes: readonly GrantChange[]): TouchedKeys {
  const grants = new Set<string>();
  const roles = new Set<string>();
  for (const change of changes) {
    if (change.kind === 'grant-saved') grants.add(change.grant.id);
    else if (change.kind === 'grant-deleted') grants.add(change.id);
    else if (change.kind === 'role-saved') roles.add(change.role.name);
    else roles.add(change.name);
  }
  return { grants: [...grants], roles: [...roles] };
}

/** The touched keys as read again: each row read is saved, each key not found is deleted. */
export function changesFrom(
  touched: TouchedKeys,
  grants: readonly GrantEntity[],
  roles: readonly RoleEntity[],
): GrantChange[] {
  const foundGrants = new Set(grants.map((grant) => grant.id));
  const foundRoles = new Set(roles.map((role) => role.name));
  return [
    ...roles.map((role): GrantChange => ({ kind: 'role-saved', role })),
    ...touched.roles
      .filter((name) => !foundRoles.has(name))
      .map((name): GrantChange => ({ kind: 'role-deleted', name })),
    ...grants.map((grant): GrantChange => ({ kind: 'grant-saved', grant })),
    ...touched.grants.filter((id) => !foundGrants.has(id)).map((id): GrantChange => ({ kind: 'grant-deleted', id })),
  ];
}

/** The grant with its role's verbs (none for an unknown role) and the lower of their lease caps. */
export function toEffectiveGrant(
  row: GrantEntity,
  role: Pick<RoleEntity, 'verbs' | 'maxLeaseTtlSeconds'> | undefined,
): EffectiveGrant {
  const caps = [row.maxLeaseTtlSeconds, role?.maxLeaseTtlSeconds].filter(
    (cap): cap is number => typeof cap === 'number',
  );
  return {
    id: row.id,
    subject: row.subject,
    role: row.roleName,
    verbs: role?.verbs ?? [],
    namespace: row.namespace,
    namePattern: row.namePattern,
    notBefore: row.notBefore ?? null,
    expiresAt: row.expiresAt,
    source:
      row.sourceKind === 'access-request' && row.sourceId ? { kind: 'access-request', requestId: row.sourceId } : null,
    reason: row.reason,
    maxLeaseTtlSeconds: caps.length > 0 ? Math.min(...caps) : null,
    createdBy: row.createdBy,
    createdAt: row.createdAt,
  };
}
