import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { Scope } from '../common/vocabulary/scope.js';
import type { Verb } from '../common/vocabulary/verbs.js';
import { scopeCovers } from '../common/vocabulary/scope.js';
import { isLive } from './decision.js';
import { GrantEntity } from './entities/grant.entity.js';
import { GrantCache } from './grant-cache.js';
import { GrantChanges } from './grant-changes.js';
import type { GrantChange } from './grant-index.js';

/** A grant made by an approved access request. */
export interface TemporaryGrantSpec extends Scope {
  readonly id: string;
  readonly subject: string;
  readonly role: string;
  readonly notBefore: Date;
  readonly expiresAt: Date;
  readonly reason: string | null;
  readonly createdBy: string;
  readonly requestId: string;
}

/** What a transaction may do to grants, besides its own work on `manager`. */
export interface GrantTransaction {
  readonly manager: EntityManager;
  issue(spec: TemporaryGrantSpec): Promise<void>;
  /** Ends a grant at `at` (kept, for history); no-op when it is gone. */
  end(grantId: string, at: Date): Promise<void>;
}

/**
 * The narrow port through which access requests touch grants: a transaction that carries both
 * the caller's changes and the grants they make or end (so an approval and its grant commit
 * together, and every replica's cache hears of it through the usual notice), the verbs of a role,
 * and who holds a verb over a scope.
 */
@Injectable()
export class TemporaryGrants {
  constructor(
    private readonly changes: GrantChanges,
    private readonly cache: GrantCache,
  ) {}

  transaction<T>(work: (grants: GrantTransaction) => Promise<T>): Promise<T> {
    const made: GrantChange[] = [];
    return this.changes.write(
      async (manager) => {
        const repository = manager.getRepository(GrantEntity);
        return work({
          manager,
          issue: async (spec) => {
            const row = repository.create({
              id: spec.id,
              subject: spec.subject,
              roleName: spec.role,
              namespace: spec.namespace,
              namePattern: spec.namePattern,
              notBefore: spec.notBefore,
              expiresAt: spec.expiresAt,
              reason: spec.reason,
              maxLeaseTtlSeconds: null,
              sourceKind: 'access-request',
              sourceId: spec.requestId,
              createdBy: spec.createdBy,
            });
            made.push({ kind: 'grant-saved', grant: await repository.save(row) });
          },
          end: async (grantId, at) => {
            const row = await repository.findOneBy({ id: grantId });
            if (!row) return;
            if (row.expiresAt !== null && row.expiresAt <= at) return;
            row.expiresAt = at;
            made.push({ kind: 'grant-saved', grant: await repository.save(row) });
          },
        });
      },
      () => made,
    );
  }

  /** The verbs of a role; undefined when there is no such role. */
  verbsOf(role: string): readonly Verb[] | undefined {
    return this.cache.roleOf(role)?.verbs;
  }

  /** The subjects (users, groups, ServiceAccounts) whose grants live at `now` give `verb` over the whole of `scope`. */
  holdersOf(verb: Verb, scope: Scope, now: Date): string[] {
    const holders = new Set<string>();
    for (const grant of this.cache.allGrants()) {
      if (isLive(grant, now) && grant.verbs.includes(verb) && scopeCovers(grant, scope)) holders.add(grant.subject);
    }
    return [...holders].sort();
  }
}
