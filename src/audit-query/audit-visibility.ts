import { Brackets, type WhereExpressionBuilder } from 'typeorm';
import type { EffectiveGrant } from '../grants/policy.service.js';
import { ANY, type Scope } from '../common/vocabulary/scope.js';

/** The events an auditor may see: everything, or those inside the scopes of its audit:read grants. */
export type AuditVisibility = { readonly all: true } | { readonly all: false; readonly scopes: readonly Scope[] };

/**
 * `audit:read` on namespace `*` and names `*` sees everything, including events without a
 * namespace (authentication, suspicious activity). Any narrower grant sees the events whose
 * namespace and name fall inside that grant's scope, exactly as the grant would match them.
 */
export function auditVisibility(grants: readonly EffectiveGrant[]): AuditVisibility {
  const scopes = grants
    .filter((grant) => grant.verbs.includes('audit:read'))
    .map(({ namespace, namePattern }) => ({ namespace, namePattern }));
  if (scopes.some((scope) => scope.namespace === ANY && scope.namePattern === ANY)) return { all: true };
  return { all: false, scopes };
}

/** Secret-name globs use only `*` and `?` besides [a-z0-9.-], so LIKE needs no escaping. */
export function globToLike(pattern: string): string {
  return pattern.replaceAll('*', '%').replaceAll('?', '_');
}

/** Restricts a query on alias `event` to what `visibility` allows. */
export function restrictTo(query: WhereExpressionBuilder, visibility: AuditVisibility): void {
  if (visibility.all) return;
  if (visibility.scopes.length === 0) {
    query.andWhere('1 = 0');
    return;
  }
  query.andWhere(
    new Brackets((any) => {
      visibility.scopes.forEach((scope, index) => {
        any.orWhere(
          new Brackets((one) => {
            if (scope.namespace === ANY) one.where('event.namespace IS NOT NULL');
            else
              one.where(`event.namespace = :scopeNamespace${index}`, { [`scopeNamespace${index}`]: scope.namespace });
            if (scope.namePattern !== ANY) {
              one.andWhere(`event.name LIKE :scopeName${index}`, {
                [`scopeName${index}`]: globToLike(scope.namePattern),
              });
            }
          }),
        );
      });
    }),
  );
}
