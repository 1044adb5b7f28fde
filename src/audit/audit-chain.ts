import { createHash } from 'node:crypto';

/** What the first event chains to. */
export const GENESIS_HASH = '0'.repeat(64);

/** The stored fields of an event, before it has a place in the chain. */
export interface UnsealedEvent {
  readonly time: Date;
  readonly requestId: string;
  readonly subject: string;
  readonly action: string;
  readonly outcome: string;
  readonly namespace: string | null;
  readonly name: string | null;
  readonly version: number | null;
  /** JSON text, hashed as stored. */
  readonly matchedGrants: string;
  readonly reason: string | null;
  readonly sourceIp: string | null;
  readonly userAgent: string | null;
  readonly latencyMs: number | null;
  readonly intentId: number | null;
  /** JSON text, hashed as stored. */
  readonly details: string | null;
}

export interface ChainedEvent extends UnsealedEvent {
  readonly id: number;
  readonly prevHash: string;
  readonly hash: string;
}

export interface ChainHead {
  readonly id: number;
  readonly hash: string;
}

export const EMPTY_CHAIN: ChainHead = { id: 0, hash: GENESIS_HASH };

/**
 * The canonical form: JSON of every field except `hash`, keys sorted, the time as ISO 8601 with
 * milliseconds (what both databases store exactly). Hashing what is stored, not the caller's
 * input, lets the verifier recompute it from a row alone.
 */
export function canonicalForm(event: Omit<ChainedEvent, 'hash'>): string {
  const fields: Record<string, unknown> = {
    id: event.id,
    prevHash: event.prevHash,
    time: event.time.toISOString(),
    requestId: event.requestId,
    subject: event.subject,
    action: event.action,
    outcome: event.outcome,
    namespace: event.namespace,
    name: event.name,
    version: event.version,
    matchedGrants: event.matchedGrants,
    reason: event.reason,
    sourceIp: event.sourceIp,
    userAgent: event.userAgent,
    latencyMs: event.latencyMs,
    intentId: event.intentId,
    details: event.details,
  };
  return JSON.stringify(Object.fromEntries(Object.keys(fields).sort().map((key) => [key, fields[key]])));
}

export function hashOf(event: Omit<ChainedEvent, 'hash'>): string {
  return createHash('sha256').update(event.prevHash).update(canonicalForm(event)).digest('hex');
}

/** Places events after `head`, in order: consecutive ids, each linked to the previous hash. */
export function sealAfter(head: ChainHead, events: readonly UnsealedEvent[]): ChainedEvent[] {
  let previous = head;
  return events.map((event) => {
    const linked = { ...event, id: previous.id + 1, prevHash: previous.hash };
    const sealed = { ...linked, hash: hashOf(linked) };
    previous = sealed;
    return sealed;
  });
}

/**
 * Checks a chain fed in id order. An event is broken when its own hash does not match its
 * fields (modification) or its prevHash is not the previous event's hash (deletion, insertion).
 */
export class ChainVerifier {
  checked = 0;
  firstBrokenId: number | null = null;
  private previousHash = GENESIS_HASH;

  /** Returns false once a break has been found; the caller may stop reading. */
  accept(event: ChainedEvent): boolean {
    if (this.firstBrokenId !== null) return false;
    this.checked++;
    if (event.prevHash !== this.previousHash || event.hash !== hashOf(event)) {
      this.firstBrokenId = event.id;
      return false;
    }
    this.previousHash = event.hash;
    return true;
  }
}
