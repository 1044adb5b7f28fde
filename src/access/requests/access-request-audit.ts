import { randomUUID } from 'node:crypto';
import type { AuditEventInput } from '../../audit/audit-event.js';
import { systemActor, type Actor } from '../../common/actor.js';
import type { AccessRequestEntity } from './entities/access-request.entity.js';

/** The broker itself, when it expires or invalidates requests. */
export const ACCESS_REQUESTS_SUBJECT = 'system:access-requests';

export type AccessRequestAction = Extract<AuditEventInput['action'], `access_request.${string}`>;

export function systemRun(): Actor {
  return systemActor(ACCESS_REQUESTS_SUBJECT, `access-requests-${randomUUID()}`);
}

/** One audit event about a request: its scope as the target, its id and role in the details. */
export function requestEvent(
  actor: Pick<Actor, 'subject' | 'request'>,
  action: AccessRequestAction,
  outcome: AuditEventInput['outcome'],
  request: Pick<AccessRequestEntity, 'id' | 'namespace' | 'namePattern' | 'role' | 'requester'>,
  more: { reason?: string; intentId?: string; details?: Record<string, string | number | boolean | null> } = {},
): AuditEventInput {
  return {
    actor,
    action,
    outcome,
    target: { namespace: request.namespace, name: request.namePattern },
    ...(more.reason === undefined ? {} : { reason: more.reason }),
    ...(more.intentId === undefined ? {} : { intentId: more.intentId }),
    details: { accessRequestId: request.id, role: request.role, requester: request.requester, ...more.details },
  };
}
