import { createHmac, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import type { AnchorObservation, ChainHead } from './audit-chain.js';

/**
 * A signed statement of where the chain stood, kept outside the database: the newest event's id
 * and hash, how many events the chain held up to it, and when it was written. Someone who can
 * only write the database cannot move it back, so truncation behind it shows.
 */
export interface AuditCheckpoint {
  readonly id: number;
  readonly hash: string;
  readonly count: number;
  readonly writtenAt: Date;
}

/** What a location held when read: nothing, a checkpoint, or text that is not a signed checkpoint. */
export type CheckpointReading =
  | { readonly state: 'missing' }
  | { readonly state: 'valid'; readonly checkpoint: AuditCheckpoint }
  /** `reason` completes "The location …". */
  | { readonly state: 'invalid'; readonly reason: string };

const HEX_64 = /^[0-9a-f]{64}$/;

const storedCheckpoint = z.strictObject({
  id: z.number().int().min(0),
  hash: z.string().regex(HEX_64),
  count: z.number().int().min(0),
  writtenAt: z.iso.datetime(),
  signature: z.string().regex(HEX_64),
});

/** Signed over every field, in a fixed order, so no field can be changed or added unnoticed. */
function signature(checkpoint: AuditCheckpoint, key: Buffer): string {
  const signed = JSON.stringify([checkpoint.id, checkpoint.hash, checkpoint.count, checkpoint.writtenAt.toISOString()]);
  return createHmac('sha256', key).update(signed).digest('hex');
}

/** The stored form: one JSON object, the same in a ConfigMap and in a file. */
export function encodeCheckpoint(checkpoint: AuditCheckpoint, key: Buffer): string {
  const { id, hash, count, writtenAt } = checkpoint;
  return `${JSON.stringify({ id, hash, count, writtenAt: writtenAt.toISOString(), signature: signature(checkpoint, key) })}\n`;
}

export function decodeCheckpoint(text: string, key: Buffer): CheckpointReading {
  let parsed: z.infer<typeof storedCheckpoint>;
  try {
    parsed = storedCheckpoint.parse(JSON.parse(text));
  } catch {
    return { state: 'invalid', reason: 'holds text that is not a checkpoint this broker writes' };
  }
  const checkpoint: AuditCheckpoint = {
    id: parsed.id,
    hash: parsed.hash,
    count: parsed.count,
    writtenAt: new Date(parsed.writtenAt),
  };
  const expected = Buffer.from(signature(checkpoint, key), 'hex');
  if (!timingSafeEqual(expected, Buffer.from(parsed.signature, 'hex'))) {
    return { state: 'invalid', reason: 'holds a checkpoint whose signature does not verify' };
  }
  return { state: 'valid', checkpoint };
}

export interface TruncationFinding {
  readonly fromId: number;
  readonly toId: number;
  readonly message: string;
}

/**
 * Compares the chain as walked with a checkpoint: every event the checkpoint covered must still
 * be there, the one at its id with the same hash.
 */
export function truncationFindings(
  checkpoint: AuditCheckpoint,
  head: ChainHead,
  observed: AnchorObservation,
): TruncationFinding[] {
  const { id, hash, count } = checkpoint;
  if (head.id < id) {
    return [
      {
        fromId: head.id + 1,
        toId: id,
        message: `The chain ends at event ${head.id}, but a checkpoint recorded it up to event ${id}`,
      },
    ];
  }
  const findings: TruncationFinding[] = [];
  if (observed.hash === undefined) {
    findings.push({ fromId: id, toId: id, message: `Event ${id}, the head of a checkpoint, is missing` });
  } else if (observed.hash !== hash) {
    findings.push({
      fromId: id,
      toId: id,
      message: `Event ${id} has another hash than the checkpoint recorded for it`,
    });
  }
  if (observed.count < count) {
    findings.push({
      fromId: 1,
      toId: id,
      message: `${observed.count} events up to event ${id}, but the checkpoint counted ${count}`,
    });
  }
  return findings;
}

/**
 * Whether a writer may replace what a location holds with `next`. Checkpoints only ever advance,
 * and never over evidence: a badly signed checkpoint, one the chain no longer extends (the event
 * at its id is gone or has another hash), or one that disappeared after this process saw it, is
 * left as it is so that verify keeps reporting it.
 */
export type AdvanceDecision = { readonly write: true } | { readonly write: false; readonly refusal?: string };

export function advanceDecision(
  current: CheckpointReading,
  next: AuditCheckpoint,
  context: {
    readonly seenBefore: boolean;
    readonly hashAtCurrent: string | undefined;
    /** The chain acknowledges the current checkpoint as lost to a database restore: it is replaced. */
    readonly lostToRestore?: boolean;
  },
): AdvanceDecision {
  if (current.state === 'invalid') return { write: false, refusal: `it ${current.reason}` };
  if (current.state === 'missing') {
    return context.seenBefore ? { write: false, refusal: 'the checkpoint it held disappeared' } : { write: true };
  }
  const { checkpoint } = current;
  if (context.lostToRestore) return { write: true };
  if (checkpoint.id > 0 && context.hashAtCurrent !== checkpoint.hash) {
    return { write: false, refusal: `the chain no longer extends its checkpoint at event ${checkpoint.id}` };
  }
  return checkpoint.id < next.id ? { write: true } : { write: false };
}
