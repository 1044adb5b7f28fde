import type { LeaseViewState } from './dto/lease-inputs.js';
import type { LeaseEntity, LeaseState } from './entities/lease.entity.js';
import { LeasedTokenView, LeaseView } from './models/lease.model.js';

/** How a stored state reads to callers: a lease a sweeper is ending has expired. */
export const VIEW_STATE: Readonly<Record<LeaseState, LeaseViewState>> = {
  pending: 'pending',
  active: 'active',
  expiring: 'expired',
  revoked: 'revoked',
  expired: 'expired',
};

export function toLeaseView(lease: LeaseEntity): LeaseView {
  return Object.assign(new LeaseView(), {
    id: lease.id,
    subject: lease.subject,
    namespace: lease.namespace,
    serviceAccount: lease.serviceAccount,
    audiences: [...lease.audiences],
    reason: lease.reason,
    state: VIEW_STATE[lease.state],
    ownerSecret: lease.ownerName,
    tokenFingerprint: lease.tokenFingerprint,
    createdAt: lease.createdAt,
    expiresAt: lease.expiresAt,
    endedAt: lease.endedAt,
    endedBy: lease.endedBy,
  });
}

export function toLeasedTokenView(lease: LeaseEntity, token: string, tokenExpiresAt: Date): LeasedTokenView {
  return Object.assign(new LeasedTokenView(), { lease: toLeaseView(lease), token, tokenExpiresAt });
}
