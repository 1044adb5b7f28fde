import type { RequestMeta } from '../common/actor.js';
import { DomainError, ErrorCode } from '../common/errors/domain-error.js';
import { VERBS, type Verb } from '../common/vocabulary/verbs.js';
import type { UnsealedEvent } from './audit-chain.js';

export const AUDIT_OUTCOMES = ['allowed', 'denied', 'succeeded', 'failed'] as const;
export type AuditOutcome = (typeof AUDIT_OUTCOMES)[number];

/** Verbs, plus the broker's own actions. */
export const AUDIT_ACTIONS = [
  ...VERBS,
  'authenticate',
  'suspicious_activity',
  'reconcile',
  'rewrap',
  'drift',
  'access_request.create',
  'access_request.review',
  'access_request.approve',
  'access_request.deny',
  'access_request.withdraw',
  'access_request.expire',
  'access_request.invalidate',
  'access_request.revoke',
  'access_request.break_glass',
  'access_request.post_review',
  // The events a database restore lost, acknowledged by an operator (audit-restores.ts).
  'restore_acknowledged',
  // Archived events removed from the database (audit-archives.ts).
  'audit_pruned',
] as const;
export type AuditAction = (typeof AUDIT_ACTIONS)[number];

/** Verbs that change the cluster: recorded as an intent (`allowed`) before the call, an outcome after. */
export const MUTATION_VERBS: readonly Verb[] = ['create', 'update', 'rotate', 'rollback', 'revoke'];

/** Subject recorded when authentication failed and nobody is known. */
export const ANONYMOUS = 'anonymous';

export type AuditDetailValue = string | number | boolean | null;

export interface AuditEventInput {
  /** An Actor satisfies this; failed authentication uses subject `anonymous`. */
  readonly actor: { readonly subject: string; readonly request: RequestMeta };
  readonly action: AuditAction;
  readonly outcome: AuditOutcome;
  readonly target?: { readonly namespace?: string; readonly name?: string; readonly version?: number };
  /** Grant ids. */
  readonly matchedGrants?: readonly string[];
  /** Why: never a value or a token. */
  readonly reason?: string;
  readonly latencyMs?: number;
  /** Links an outcome to the id of its intent event. */
  readonly intentId?: string;
  readonly details?: Readonly<Record<string, AuditDetailValue>>;
}

/**
 * Names that would carry a secret value or a credential. Audit details describe a decision; a key
 * like these means a caller passed the wrong object, so the write is refused rather than stored.
 */
export const FORBIDDEN_DETAIL_KEYS = new Set([
  'data',
  'stringdata',
  'value',
  'values',
  'token',
  'password',
  'secret',
  'authorization',
  'privatekey',
]);
const DETAIL_KEY = /^[A-Za-z][A-Za-z0-9_]{0,63}$/;
const MAX_DETAILS = 16;
const MAX_DETAIL_STRING = 256;
// A JWT (three base64url segments, the first a JSON header) pasted into a free-text reason.
const JWT_LIKE = /eyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*/g;
const UNSTORABLE = /[\p{Cc}\p{Cs}]/gu;
const TRAILING_LONE_SURROGATE = /\p{Cs}$/u;

/** Validates and normalises an input into the stored fields; throws on anything value-like. */
export function toUnsealedEvent(input: AuditEventInput, time: Date): UnsealedEvent {
  const { request } = input.actor;
  return {
    time,
    requestId: clip(request.requestId, 128),
    subject: clip(input.actor.subject, 320),
    action: input.action,
    outcome: input.outcome,
    namespace: optionalClip(input.target?.namespace, 63),
    name: optionalClip(input.target?.name, 253),
    version: input.target?.version ?? null,
    matchedGrants: JSON.stringify([...(input.matchedGrants ?? [])].sort()),
    reason: optionalClip(input.reason?.replace(JWT_LIKE, '[redacted token]'), 1024),
    sourceIp: optionalClip(request.sourceIp, 64),
    userAgent: optionalClip(request.userAgent, 512),
    // Microsecond resolution is plenty and keeps the stored double's text form short and exact.
    latencyMs: input.latencyMs === undefined ? null : Math.round(input.latencyMs * 1000) / 1000,
    intentId: input.intentId === undefined ? null : intentIdOf(input.intentId),
    details: input.details === undefined ? null : detailsText(input.details),
  };
}

function detailsText(details: Readonly<Record<string, AuditDetailValue>>): string {
  const entries = Object.entries(details);
  if (entries.length > MAX_DETAILS) refuse(`more than ${MAX_DETAILS} details`);
  for (const [key, value] of entries) {
    if (!DETAIL_KEY.test(key) || FORBIDDEN_DETAIL_KEYS.has(key.toLowerCase())) {
      refuse(`details key ${JSON.stringify(key.slice(0, 64))} is not allowed`);
    }
    const scalar = value === null || ['string', 'number', 'boolean'].includes(typeof value);
    if (!scalar || (typeof value === 'string' && value.length > MAX_DETAIL_STRING)) {
      refuse(`details ${key} must be a short scalar`);
    }
    if (typeof value === 'number' && !Number.isFinite(value)) refuse(`details ${key} must be finite`);
  }
  return JSON.stringify(Object.fromEntries(entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))));
}

function intentIdOf(id: string): number {
  if (!/^[1-9][0-9]{0,15}$/.test(id)) refuse('intentId must be an audit event id');
  return Number(id);
}

// Longer text than a column holds would fail the insert, refusing the operation over a log detail.
function clip(text: string, length: number): string {
  const storable = escapeUnstorable(text);
  if (storable.length <= length) return storable;
  // A cut between the two halves of a surrogate pair would leave a lone one.
  return storable.slice(0, length).replace(TRAILING_LONE_SURROGATE, '');
}

/**
 * The last line of defence for caller-influenced text (a subject, a reason quoting a token
 * header, a User-Agent): control characters and lone surrogates are stored escaped (`\u0000`).
 * PostgreSQL refuses NUL outright, which would lose the event or fail the operation, and a lone
 * surrogate would be stored as U+FFFD, no longer matching the hash sealed over it.
 */
function escapeUnstorable(text: string): string {
  return text.replace(UNSTORABLE, (character) => `\\u${character.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

function optionalClip(text: string | undefined, length: number): string | null {
  return text === undefined ? null : clip(text, length);
}

// A programming error in the caller: the operation must not proceed with an unrecordable event.
function refuse(problem: string): never {
  throw new DomainError(ErrorCode.Internal, `Audit event refused: ${problem}`);
}
