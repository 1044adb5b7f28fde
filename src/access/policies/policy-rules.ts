import { scopeCovers, type Scope } from '../../common/vocabulary/scope.js';
import type { AccessPolicyEntity } from './entities/access-policy.entity.js';
import { BreakGlassView, AccessPolicyView } from './models/access-policy.model.js';

export function policyScope(policy: Pick<AccessPolicyEntity, 'namespace' | 'namePattern'>): Scope {
  return { namespace: policy.namespace, namePattern: policy.namePattern };
}

/** What a request must fit in its policy: its scope, its role and one of its requester's subjects. */
export interface PolicyFit extends Scope {
  readonly role: string;
  readonly requesterSubjects: readonly string[];
  /** Break-glass subjects are listed apart from the requesters (see mayBreakGlass). */
  readonly breakGlass: boolean;
}

/** Why `request` does not fit `policy` (as it is now), or undefined when it does. */
export function misfitOf(policy: AccessPolicyEntity, request: PolicyFit): string | undefined {
  const eligible = request.breakGlass
    ? mayBreakGlass(policy, request.requesterSubjects)
    : request.requesterSubjects.some((subject) => policy.requesters.includes(subject));
  if (!eligible) {
    return `the requester is not among the requesters of policy ${policy.name}`;
  }
  if (!policy.roles.includes(request.role)) return `policy ${policy.name} does not offer role ${request.role}`;
  if (!scopeCovers(policyScope(policy), request)) {
    return `namespace ${request.namespace}, names ${request.namePattern} are outside policy ${policy.name} (${policy.namespace}, ${policy.namePattern})`;
  }
  return undefined;
}

/** May one of `subjects` break glass under `policy`? */
export function mayBreakGlass(policy: AccessPolicyEntity, subjects: readonly string[]): boolean {
  return (policy.breakGlassSubjects ?? []).some((subject) => subjects.includes(subject));
}

export function toAccessPolicyView(policy: AccessPolicyEntity): AccessPolicyView {
  const breakGlass =
    policy.breakGlassSubjects && policy.breakGlassMaxDurationSeconds !== null
      ? Object.assign(new BreakGlassView(), {
          subjects: [...policy.breakGlassSubjects],
          maxDurationSeconds: policy.breakGlassMaxDurationSeconds,
        })
      : undefined;
  return Object.assign(new AccessPolicyView(), {
    name: policy.name,
    namespace: policy.namespace,
    namePattern: policy.namePattern,
    roles: [...policy.roles],
    requesters: [...policy.requesters],
    approvalsRequired: policy.approvalsRequired,
    maxDurationSeconds: policy.maxDurationSeconds,
    pendingTtlSeconds: policy.pendingTtlSeconds,
    requireReason: policy.requireReason,
    breakGlass,
    createdBy: policy.createdBy,
    createdAt: policy.createdAt,
    updatedAt: policy.updatedAt,
  });
}
