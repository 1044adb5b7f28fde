import { createHmac, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import type { AnchorObservation, ChainHead } from './audit-chain.js';

/**
 * A signed statement of where the chain stood, kept outside the database: the newest event's id
 * and hash, how many events the chain held up to it, and when it was written. Someone who can
 * only write the database cannot move it back, so truncation behind it shows.
 */
export interface CheckpointHead {
  readonly id: number;
  readonly hash: string;
  readonly count: number;
  readonly writtenAt: Date;
}

/**
 * Checkpoints are chained: each carries a sequence number one above the newest one its writer
 * read in any location, and the signature of that one (`previous`). Sequence numbers only grow,
 * so an older checkpoint put back in a location is behind, and tells by its sequence.
 * Checkpoints written before chaining read as sequence 0.
 */
export interface AuditCheckpoint extends CheckpointHead {
  readonly sequence: number;
  readonly previous: string;
}

/** The `previous` of the first checkpoint, and of those written before chaining. */
export const NO_PREVIOUS_CHECKPOINT = '0'.repeat(64);

/** What a location held when read: nothing, a checkpoint, or text that is not a signed checkpoint. */
export type CheckpointReading =
  | { readonly state: 'missing' }
  | { readonly state: 'valid'; readonly checkpoint: AuditCheckpoint }
  /**
   * `reason` completes "The location …". `superseded`: a checkpoint validly signed under the key of
   * an earlier key epoch, which the writer may replace once (when the chain still extends it).
   */
  | { readonly state: 'invalid'; readonly reason: string; readonly superseded?: AuditCheckpoint };

const HEX_64 = /^[0-9a-f]{64}$/;

const headFields = {
  id: z.number().int().min(0),
  hash: z.string().regex(HEX_64),
  count: z.number().int().min(0),
  writtenAt: z.iso.datetime(),
  signature: z.string().regex(HEX_64),
};
const storedCheckpoint = z.union([
  z.strictObject({ ...headFields, sequence: z.number().int().min(1), previous: z.string().regex(HEX_64) }),
  z.strictObject(headFields),
]);

/**
 * Signed over every field, in a fixed order, so no field can be changed or added unnoticed; a
 * checkpoint from before chaining (sequence 0) was signed over its head alone.
 */
export function checkpointSignature(checkpoint: AuditCheckpoint, key: Buffer): string {
  const head = [checkpoint.id, checkpoint.hash, checkpoint.count, checkpoint.writtenAt.toISOString()];
  const signed = JSON.stringify(checkpoint.sequence === 0 ? head : [...head, checkpoint.sequence, checkpoint.previous]);
  return createHmac('sha256', key).update(signed).digest('hex');
}

/** The stored form: one JSON object, the same in a ConfigMap and in a file. */
export function encodeCheckpoint(checkpoint: AuditCheckpoint, key: Buffer): string {
  const { id, hash, count, writtenAt, sequence, previous } = checkpoint;
  const chained = sequence === 0 ? {} : { sequence, previous };
  const signature = checkpointSignature(checkpoint, key);
  return `${JSON.stringify({ id, hash, count, writtenAt: writtenAt.toISOString(), ...chained, signature })}\n`;
}

/**
 * Decodes under `key`; a checkpoint that verifies only under one of `retiredKeys` (earlier key
 * epochs, which a retired KEK may open) is invalid, kept as `superseded`.
 */
export function decodeCheckpoint(text: string, key: Buffer, retiredKeys: readonly Buffer[] = []): CheckpointReading {
  const reading = decodeUnder(text, key);
  if (reading.state !== 'invalid' || reading.reason !== BAD_SIGNATURE) return reading;
  for (const retired of retiredKeys) {
    const old = decodeUnder(text, retired);
    if (old.state === 'valid') {
      return {
        state: 'invalid',
        reason: 'holds a checkpoint signed under the key of an earlier key epoch',
        superseded: old.checkpoint,
      };
    }
  }
  return reading;
}

const BAD_SIGNATURE = 'holds a checkpoint whose signature does not verify';

function decodeUnder(text: string, key: Buffer): CheckpointReading {
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
    sequence: 'sequence' in parsed ? parsed.sequence : 0,
    previous: 'previous' in parsed ? parsed.previous : NO_PREVIOUS_CHECKPOINT,
  };
  const expected = Buffer.from(checkpointSignature(checkpoint, key), 'hex');
  if (!timingSafeEqual(expected, Buffer.from(parsed.signature, 'hex'))) {
    return { state: 'invalid', reason: BAD_SIGNATURE };
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
 * at its id is gone or has another hash), one that disappeared after this process saw it, or one
 * older than this process last wrote there (put back), is left as it is so that verify keeps
 * reporting it.
 */
export type AdvanceDecision = { readonly write: true } | { readonly write: false; readonly refusal?: string };

export function advanceDecision(
  current: CheckpointReading,
  next: AuditCheckpoint,
  context: {
    readonly seenBefore: boolean;
    readonly hashAtCurrent: string | undefined;
    /** The sequence this process last wrote to the location, if it did. */
    readonly lastWritten?: number;
    /** The chain acknowledges the current checkpoint as lost to a database restore: it is replaced. */
    readonly lostToRestore?: boolean;
  },
): AdvanceDecision {
  if (current.state === 'invalid') {
    // The one checkpoint of the epoch before, still extended by the chain: the epoch's first write replaces it.
    const { superseded } = current;
    if (superseded !== undefined && (superseded.id === 0 || context.hashAtCurrent === superseded.hash)) {
      return { write: true };
    }
    return { write: false, refusal: `it ${current.reason}` };
  }
  if (current.state === 'missing') {
    return context.seenBefore ? { write: false, refusal: 'the checkpoint it held disappeared' } : { write: true };
  }
  const { checkpoint } = current;
  if (context.lastWritten !== undefined && checkpoint.sequence < context.lastWritten) {
    return {
      write: false,
      refusal: `it holds checkpoint ${checkpoint.sequence}, older than checkpoint ${context.lastWritten} this broker wrote there (put back)`,
    };
  }
  if (context.lostToRestore) return { write: true };
  if (checkpoint.id > 0 && context.hashAtCurrent !== checkpoint.hash) {
    return { write: false, refusal: `the chain no longer extends its checkpoint at event ${checkpoint.id}` };
  }
  return checkpoint.id < next.id ? { write: true } : { write: false };
}
