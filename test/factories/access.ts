import type supertest from 'supertest';
import type { Broker } from '../support/broker.js';
import { uniqueName } from './names.js';

/** The REST bodies of access policies and requests, as tests read them. */
export interface AccessPolicyBody {
  readonly name: string;
  readonly namespace: string;
  readonly namePattern: string;
  readonly roles: string[];
  readonly requesters: string[];
  readonly approvalsRequired: number;
  readonly maxDurationSeconds: number;
  readonly pendingTtlSeconds: number;
  readonly requireReason: boolean;
  readonly breakGlass?: { readonly subjects: string[]; readonly maxDurationSeconds: number };
}

export interface AccessRequestReviewBody {
  readonly reviewer: string;
  readonly decision: 'approve' | 'deny';
  readonly reason: string | null;
  readonly maxDurationSeconds: number | null;
}

export interface AccessRequestBody {
  readonly id: string;
  readonly dryRun: boolean;
  readonly policy: string;
  readonly requester: string;
  readonly namespace: string;
  readonly namePattern: string;
  readonly role: string;
  readonly durationSeconds: number;
  readonly effectiveDurationSeconds: number;
  readonly reason: string | null;
  readonly breakGlass: boolean;
  readonly state: 'pending' | 'approved' | 'denied' | 'withdrawn' | 'expired' | 'invalidated';
  readonly approvalsRequired: number;
  readonly approvals: number;
  readonly eligibleApprovers: string[];
  readonly reviews: AccessRequestReviewBody[];
  readonly expiresAt: string;
  readonly resolvedBy: string | null;
  readonly grant?: {
    readonly id: string;
    readonly notBefore: string;
    readonly expiresAt: string;
    readonly active: boolean;
    readonly revokedAt: string | null;
    readonly revokedBy: string | null;
  };
  readonly postReview?: { readonly outcome: string; readonly reviewer: string };
}

export interface PolicySpec {
  readonly namespace: string;
  readonly namePattern?: string;
  readonly roles?: string[];
  readonly requesters: string[];
  readonly approvalsRequired?: number;
  readonly maxDurationSeconds?: number;
  readonly pendingTtlSeconds?: number;
  readonly requireReason?: boolean;
  readonly breakGlass?: { subjects: string[]; maxDurationSeconds: number };
  /** Defaults to a name no other test uses. */
  readonly name?: string;
}

/** An access policy created by the bootstrapped admin. */
export async function createAccessPolicy(broker: Broker, spec: PolicySpec): Promise<AccessPolicyBody> {
  const body = {
    roles: ['reader'],
    approvalsRequired: 2,
    maxDurationSeconds: 3600,
    name: uniqueName('policy'),
    ...spec,
  };
  const response = await broker.as('admin').post('/v1/access-policies').send(body).expect(201);
  return response.body as AccessPolicyBody;
}

/** `POST /v1/access-requests` as `user:<sub>` (with `groups`), not yet sent. */
export function askForAccess(
  broker: Pick<Broker, 'as'>,
  sub: string,
  body: Record<string, unknown>,
  groups: string[] = [],
): supertest.Test {
  return broker.as(sub, groups).post('/v1/access-requests').send(body);
}

/** `POST /v1/access-requests/{id}/reviews` as `user:<sub>` (with `groups`), not yet sent. */
export function reviewAccess(
  broker: Pick<Broker, 'as'>,
  sub: string,
  id: string,
  body: Record<string, unknown>,
  groups: string[] = [],
): supertest.Test {
  return broker.as(sub, groups).post(`/v1/access-requests/${id}/reviews`).send(body);
}

/** The request as its requester reads it. */
export async function accessRequestOf(broker: Broker, sub: string, id: string): Promise<AccessRequestBody> {
  const response = await broker.as(sub).get(`/v1/access-requests/${id}`).expect(200);
  return response.body as AccessRequestBody;
}
