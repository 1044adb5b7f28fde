import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { z } from 'zod';
import type { ChainedEvent, ChainHead } from './audit-chain.js';
import type { AuditAction } from './audit-event.js';

/** The event that records a prune: the range it removed, and the archive that holds it. */
export const AUDIT_PRUNED: AuditAction = 'audit_pruned';

/**
 * The first line of an archive: the segment of the chain it holds (from the event after `headHash`
 * to the one whose hash is `tailHash`), where the chain stood before it (`countBefore` events,
 * `keyEpoch` in effect at its first event), and the signed checkpoint that covers it.
 */
export interface ArchiveHeader {
  readonly format: 1;
  readonly firstId: number;
  readonly lastId: number;
  readonly count: number;
  readonly headHash: string;
  readonly tailHash: string;
  readonly countBefore: number;
  readonly keyEpoch: number;
  /** The checkpoint as stored (its JSON with the signature), and where it was read. */
  readonly checkpoint: string;
  readonly checkpointLocation: string;
  readonly writtenAt: string;
}

/** The last line: repeats the segment's end, so a file cut short shows. */
export interface ArchiveTrailer {
  readonly lastId: number;
  readonly count: number;
  readonly tailHash: string;
}

export type ArchiveEntry =
  | { readonly kind: 'header'; readonly header: ArchiveHeader }
  | { readonly kind: 'event'; readonly event: ChainedEvent; readonly line: number }
  | { readonly kind: 'trailer'; readonly trailer: ArchiveTrailer };

const HEX_64 = z.string().regex(/^[0-9a-f]{64}$/);
const id = z.number().int().min(0);
const headerLine = z.strictObject({
  type: z.literal('audit-archive'),
  format: z.literal(1),
  firstId: id,
  lastId: id,
  count: id,
  headHash: HEX_64,
  tailHash: HEX_64,
  countBefore: id,
  keyEpoch: id,
  checkpoint: z.string().max(1024),
  checkpointLocation: z.string().max(32),
  writtenAt: z.iso.datetime(),
});
const trailerLine = z.strictObject({ type: z.literal('audit-archive-end'), lastId: id, count: id, tailHash: HEX_64 });
const text = (length: number) => z.string().max(length);
const eventLine = z.strictObject({
  type: z.literal('event'),
  id: id,
  time: z.iso.datetime(),
  requestId: text(128),
  subject: text(320),
  action: text(64),
  outcome: text(16),
  namespace: text(63).nullable(),
  name: text(253).nullable(),
  version: z.number().int().nullable(),
  matchedGrants: z.string(),
  reason: text(1024).nullable(),
  sourceIp: text(64).nullable(),
  userAgent: text(512).nullable(),
  latencyMs: z.number().nullable(),
  intentId: id.nullable(),
  details: z.string().nullable(),
  prevHash: HEX_64,
  hash: HEX_64,
});

export function headerLineOf(header: ArchiveHeader): string {
  return `${JSON.stringify({ type: 'audit-archive', ...header })}\n`;
}

/** An event exactly as stored (the time with milliseconds, JSON columns as their hashed text). */
export function eventLineOf(event: ChainedEvent): string {
  const {
    id: eventId,
    time,
    requestId,
    subject,
    action,
    outcome,
    namespace,
    name,
    version,
    matchedGrants,
    reason,
    sourceIp,
    userAgent,
    latencyMs,
    intentId,
    details,
    prevHash,
    hash,
  } = event;
  const stored = { id: eventId, time: time.toISOString(), requestId, subject, action, outcome, namespace, name };
  const rest = { version, matchedGrants, reason, sourceIp, userAgent, latencyMs, intentId, details, prevHash, hash };
  return `${JSON.stringify({ type: 'event', ...stored, ...rest })}\n`;
}

export function trailerLineOf(trailer: ArchiveTrailer): string {
  return `${JSON.stringify({ type: 'audit-archive-end', ...trailer })}\n`;
}

export class ArchiveFormatError extends Error {}

/** Reads an archive line by line (bounded memory); throws ArchiveFormatError on a line it does not hold. */
export async function* readArchive(path: string): AsyncGenerator<ArchiveEntry> {
  const lines = createInterface({ input: createReadStream(path, 'utf8'), crlfDelay: Infinity });
  let number = 0;
  let ended = false;
  for await (const line of lines) {
    number++;
    if (ended) throw new ArchiveFormatError(`line ${number} follows the archive's last line`);
    const parsed = parseLine(line, number);
    if (number === 1 && parsed.type !== 'audit-archive') {
      throw new ArchiveFormatError('line 1 is not an audit archive header');
    }
    if (parsed.type === 'audit-archive') {
      if (number !== 1) throw new ArchiveFormatError(`line ${number} is a second header`);
      // The line's `type` stays on the objects: every reader picks the fields it names.
      yield { kind: 'header', header: parsed };
    } else if (parsed.type === 'audit-archive-end') {
      ended = true;
      yield { kind: 'trailer', trailer: parsed };
    } else {
      yield { kind: 'event', event: { ...parsed, time: new Date(parsed.time) }, line: number };
    }
  }
  if (number === 0) throw new ArchiveFormatError('the file is empty');
}

function parseLine(line: string, number: number) {
  try {
    return z.union([headerLine, trailerLine, eventLine]).parse(JSON.parse(line));
  } catch {
    throw new ArchiveFormatError(`line ${number} is not an archive line`);
  }
}

/** Reads only the header (the first line). */
export async function archiveHeader(path: string): Promise<ArchiveHeader> {
  for await (const entry of readArchive(path)) {
    if (entry.kind === 'header') return entry.header;
  }
  throw new ArchiveFormatError('line 1 is not an audit archive header');
}

export async function sha256OfFile(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/**
 * What a file holds beside the chain itself (whose links and hashes ChainVerifier checks): the
 * events in the order and number its header and trailer state, ending at the stated tail.
 */
export class ArchiveSegmentCheck {
  private previous: ChainHead;
  private count = 0;
  private trailer: ArchiveTrailer | undefined;

  constructor(private readonly header: ArchiveHeader) {
    this.previous = { id: header.firstId - 1, hash: header.headHash };
  }

  /** The first problem with this event's place in the file, if any. */
  accept(event: ChainedEvent): string | undefined {
    const expected = this.previous.id + 1;
    this.previous = { id: event.id, hash: event.hash };
    this.count++;
    if (event.id > this.header.lastId)
      return `event ${event.id} is after the header's last event ${this.header.lastId}`;
    if (event.id !== expected) return `event ${expected} is missing`;
    return undefined;
  }

  end(trailer: ArchiveTrailer): void {
    this.trailer = trailer;
  }

  /** Problems with the file as a whole, once every line was read. */
  finish(): string[] {
    const { header, trailer } = this;
    const problems: string[] = [];
    if (header.lastId < header.firstId) problems.push('holds no events');
    if (header.count !== header.lastId - header.firstId + 1)
      problems.push('its header counts another number of events than its range holds');
    if (this.count !== header.count) problems.push(`it holds ${this.count} events, its header says ${header.count}`);
    if (this.previous.id !== header.lastId || this.previous.hash !== header.tailHash) {
      problems.push(`it ends at event ${this.previous.id}, not at the header's tail event ${header.lastId}`);
    }
    if (trailer === undefined) problems.push('its last line is missing (the file was cut short)');
    else if (
      trailer.lastId !== header.lastId ||
      trailer.count !== header.count ||
      trailer.tailHash !== header.tailHash
    ) {
      problems.push('its last line does not repeat its header');
    }
    return problems;
  }
}

/** A prune as its event records it. */
export interface PrunedRange {
  readonly eventId: number;
  readonly fromId: number;
  readonly toId: number;
  readonly count: number;
  readonly headHash: string;
  readonly tailHash: string;
  /** Events up to and including `toId` over the chain's whole history. */
  readonly countUpTo: number;
  /** The key epoch in effect at `toId`. */
  readonly keyEpoch: number;
  readonly archiveSha256: string;
  readonly prunedBy: string;
  readonly prunedAt: Date;
}

/**
 * The prune an event records, or undefined for any other event. A prune event always comes after
 * the range it removed; one that claims otherwise is not taken as a prune.
 */
export function prunedRangeOf(
  event: Pick<ChainedEvent, 'id' | 'action' | 'subject' | 'time' | 'details'>,
): PrunedRange | undefined {
  if (event.action !== AUDIT_PRUNED || event.details === null) return undefined;
  let details: Record<string, unknown>;
  try {
    details = JSON.parse(event.details) as Record<string, unknown>;
  } catch {
    return undefined;
  }
  const [fromId, toId, count, countUpTo, keyEpoch] = ['fromId', 'toId', 'count', 'countUpTo', 'keyEpoch'].map(
    (key) => details[key],
  );
  const numbers = [fromId, toId, count, countUpTo, keyEpoch];
  if (!numbers.every((value) => typeof value === 'number' && Number.isSafeInteger(value) && value >= 0))
    return undefined;
  const hashes = [details.headHash, details.tailHash, details.archiveSha256];
  if (!hashes.every((value) => typeof value === 'string' && HEX_64.safeParse(value).success)) return undefined;
  if ((toId as number) >= event.id || (fromId as number) > (toId as number)) return undefined;
  return {
    eventId: event.id,
    fromId: fromId as number,
    toId: toId as number,
    count: count as number,
    headHash: details.headHash as string,
    tailHash: details.tailHash as string,
    countUpTo: countUpTo as number,
    keyEpoch: keyEpoch as number,
    archiveSha256: details.archiveSha256 as string,
    prunedBy: event.subject,
    prunedAt: event.time,
  };
}
