import { createHash, createHmac } from 'node:crypto';

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
  // Written in sorted key order (JSON.stringify keeps insertion order), so no sort per event.
  return JSON.stringify({
    action: event.action,
    details: event.details,
    id: event.id,
    intentId: event.intentId,
    latencyMs: event.latencyMs,
    matchedGrants: event.matchedGrants,
    name: event.name,
    namespace: event.namespace,
    outcome: event.outcome,
    prevHash: event.prevHash,
    reason: event.reason,
    requestId: event.requestId,
    sourceIp: event.sourceIp,
    subject: event.subject,
    time: event.time.toISOString(),
    userAgent: event.userAgent,
    version: event.version,
  });
}

/** Computes an event's link: its hash over prevHash and the canonical form. */
export type LinkHasher = (event: Omit<ChainedEvent, 'hash'>) => string;

/**
 * HMAC-SHA-256 under a key the database never holds: whoever can write the table can delete or
 * change rows, but cannot compute the links that would make the chain verify again.
 */
export function keyedLinkHasher(key: Buffer): LinkHasher {
  return (event) => createHmac('sha256', key).update(event.prevHash).update(canonicalForm(event)).digest('hex');
}

/** Plain SHA-256: how chains were linked before they were keyed; only read to re-key them. */
export const plainLinkHasher: LinkHasher = (event) =>
  createHash('sha256').update(event.prevHash).update(canonicalForm(event)).digest('hex');

/** Places events after `head`, in order: consecutive ids, each linked to the previous hash. */
export function sealAfter(head: ChainHead, events: readonly UnsealedEvent[], hasher: LinkHasher): ChainedEvent[] {
  let previous = head;
  return events.map((event) => {
    const linked = { ...event, id: previous.id + 1, prevHash: previous.hash };
    const sealed = { ...linked, hash: hasher(linked) };
    previous = sealed;
    return sealed;
  });
}

/**
 * What a walk found: ids missing (`gap`), an event whose prevHash is not its predecessor's hash
 * (`broken-link`: deletion, insertion), or events whose hash does not match their fields under
 * the key (`hash-mismatch`: modified, or re-hashed by someone without the key).
 */
export interface ChainFinding {
  readonly kind: 'gap' | 'broken-link' | 'hash-mismatch';
  readonly fromId: number;
  readonly toId: number;
}

/** Bounds the report of a badly damaged chain; runs of mismatches are merged into one finding. */
export const MAX_CHAIN_FINDINGS = 100;

/** Where the chain stood at an id a checkpoint names. */
export interface AnchorObservation {
  /** The stored hash of the event at that id, if it exists. */
  readonly hash: string | undefined;
  /** Events with an id up to and including it. */
  readonly count: number;
}

/**
 * Checks a chain fed in id order, to the end: it keeps walking after the first break, so the
 * report covers every kind of damage. `checked` and `firstBrokenId` describe the walk up to the
 * first break.
 */
export class ChainVerifier {
  checked = 0;
  firstBrokenId: number | null = null;
  readonly findings: ChainFinding[] = [];
  head: ChainHead = EMPTY_CHAIN;
  /** Ranges the walk did not see (archived events not given to it): checkpoints there are not compared. */
  readonly skipped: Array<{ readonly fromId: number; readonly toId: number }> = [];
  private readonly anchors = new Map<number, { hash: string | undefined; count: number }>();

  /** `anchorIds`: ids whose hash and preceding count the caller wants to compare (checkpoints). */
  constructor(
    private readonly hasher: LinkHasher,
    anchorIds: readonly number[] = [],
  ) {
    for (const id of anchorIds) this.anchors.set(id, { hash: id === 0 ? GENESIS_HASH : undefined, count: 0 });
  }

  accept(event: ChainedEvent): void {
    const expectedId = this.head.id + 1;
    const gap = event.id > expectedId;
    if (gap) this.report('gap', expectedId, event.id - 1);
    const linked = event.prevHash === this.head.hash;
    if (!linked) this.report('broken-link', event.id, event.id);
    const sealed = event.hash === this.hasher(event);
    if (!sealed) this.report('hash-mismatch', event.id, event.id);
    if (this.firstBrokenId === null) {
      this.checked++;
      if (gap || !linked || !sealed) this.firstBrokenId = event.id;
    }
    for (const [id, anchor] of this.anchors) {
      if (event.id <= id) anchor.count++;
      if (event.id === id) anchor.hash = event.hash;
    }
    this.head = { id: event.id, hash: event.hash };
  }

  /**
   * Continues the walk after `head`, whose chain held `countUpTo` events, without seeing the
   * events before it (they were archived): the next event must link to `head`.
   */
  jumpTo(head: ChainHead, countUpTo: number): void {
    if (head.id > this.head.id) this.skipped.push({ fromId: this.head.id + 1, toId: head.id });
    for (const [id, anchor] of this.anchors) {
      if (id >= head.id) anchor.count = countUpTo;
      if (id === head.id) anchor.hash = head.hash;
    }
    this.head = head;
  }

  /** Whether the walk skipped the event at `id` without knowing its hash (the last one skipped is known by it). */
  wasSkipped(id: number): boolean {
    return this.skipped.some((range) => range.fromId <= id && id < range.toId);
  }

  get intact(): boolean {
    return this.findings.length === 0;
  }

  anchor(id: number): AnchorObservation {
    return this.anchors.get(id) ?? { hash: undefined, count: 0 };
  }

  private report(kind: ChainFinding['kind'], fromId: number, toId: number): void {
    const last = this.findings.at(-1);
    if (last && last.kind === kind && kind === 'hash-mismatch' && last.toId === fromId - 1) {
      this.findings[this.findings.length - 1] = { ...last, toId };
    } else if (this.findings.length < MAX_CHAIN_FINDINGS) {
      this.findings.push({ kind, fromId, toId });
    }
  }
}
