import { randomBytes } from 'node:crypto';
import { link, open, rm } from 'node:fs/promises';
import { basename } from 'node:path';
import { Inject, Injectable } from '@nestjs/common';
import type { Logger } from 'pino';
import { DomainError, ErrorCode } from '../common/errors/domain-error.js';
import { ROOT_LOGGER } from '../common/logging/logger.js';
import {
  ArchiveFormatError,
  ArchiveSegmentCheck,
  AUDIT_PRUNED,
  eventLineOf,
  headerLineOf,
  prunedRangeOf,
  readArchive,
  sha256OfFile,
  trailerLineOf,
  type ArchiveHeader,
  type PrunedRange,
} from './audit-archive.js';
import { ChainVerifier, GENESIS_HASH, type ChainedEvent, type ChainFinding } from './audit-chain.js';
import { decodeCheckpoint, encodeCheckpoint, type AuditCheckpoint } from './audit-checkpoint.js';
import { AuditCheckpointWriter } from './audit-checkpoint.writer.js';
import { AuditCheckpoints } from './audit-checkpoints.js';
import type { AuditEventInput } from './audit-event.js';
import { AuditEventStore } from './audit-event.store.js';
import { AuditKeys } from './audit-keys.js';
import { AuditService } from './audit.service.js';

/** What `write` put in a file. */
export interface ArchiveSummary {
  readonly file: string;
  readonly firstId: number;
  readonly lastId: number;
  readonly count: number;
  readonly headHash: string;
  readonly tailHash: string;
  readonly checkpointId: number;
  readonly sha256: string;
}

/** What walking a file found besides the chain findings its verifier collected. */
export interface ArchiveWalk {
  readonly header: ArchiveHeader | undefined;
  readonly problems: string[];
}

// Lines written per file write: bounded memory, few system calls.
const WRITE_BATCH = 1_000;

/**
 * The audit trail's archive: a prefix of the chain written to an NDJSON file with the signed
 * checkpoint that covers it, and the prune that removes exactly the events of a verified archive
 * from the database. The prune is an event in the chain naming the range, its head and tail
 * hashes and the file's SHA-256; the database's chain starts after it from then on.
 */
@Injectable()
export class AuditArchives {
  private readonly logger: Logger;

  constructor(
    private readonly store: AuditEventStore,
    private readonly checkpoints: AuditCheckpoints,
    private readonly writer: AuditCheckpointWriter,
    private readonly audit: AuditService,
    private readonly keys: AuditKeys,
    @Inject(ROOT_LOGGER) rootLogger: Logger,
  ) {
    this.logger = rootLogger.child({ component: 'audit-archive' });
  }

  /** Writes every event older than `before`, from the chain's start in the database, to `out` (never overwritten). */
  async write(before: Date, out: string): Promise<ArchiveSummary> {
    const start = await this.store.chainStart();
    const firstId = (start?.toId ?? 0) + 1;
    const lastId = await this.store.newestBefore(firstId - 1, before);
    if (lastId === undefined) {
      throw new DomainError(ErrorCode.InvalidInput, `No events before ${before.toISOString()} to archive`);
    }
    const tailHash = await this.store.hashAt(lastId);
    const covering = await this.coveringCheckpoint(lastId);
    const header: ArchiveHeader = {
      format: 1,
      firstId,
      lastId,
      count: lastId - firstId + 1,
      headHash: start?.tailHash ?? GENESIS_HASH,
      tailHash: tailHash ?? GENESIS_HASH,
      countBefore: start?.countUpTo ?? 0,
      keyEpoch: start?.keyEpoch ?? 0,
      checkpoint: encodeCheckpoint(covering.checkpoint, this.keys.checkpoint).trim(),
      checkpointLocation: covering.location,
      writtenAt: new Date().toISOString(),
    };
    const temporary = `${out}.${randomBytes(6).toString('hex')}.tmp`;
    try {
      await this.writeFile(temporary, header);
      // A link, unlike a rename, fails when `out` exists: an archive is never overwritten.
      await link(temporary, out);
    } finally {
      await rm(temporary, { force: true });
    }
    const summary = {
      file: out,
      firstId,
      lastId,
      count: header.count,
      headHash: header.headHash,
      tailHash: header.tailHash,
    };
    return { ...summary, checkpointId: covering.checkpoint.id, sha256: await sha256OfFile(out) };
  }

  /**
   * Removes from the database exactly the events of the archive at `path`, once it verifies: the
   * chain in it links and hashes under the key, it starts where the database's chain starts, every
   * event equals the stored one, its checkpoint is signed and covers it, and the checkpoints kept
   * outside the database are at or after its tail. Otherwise refused, and nothing changes.
   */
  async prune(actor: AuditEventInput['actor'], path: string): Promise<PrunedRange> {
    const sha256 = await sha256OfFile(path);
    const start = await this.store.chainStart();
    const hasher = this.keys.walk(start?.keyEpoch ?? 0);
    const verifier = new ChainVerifier(hasher);
    // From where the database's chain starts: an archive starting anywhere else breaks the link.
    verifier.jumpTo({ id: start?.toId ?? 0, hash: start?.tailHash ?? GENESIS_HASH }, start?.countUpTo ?? 0);
    const walk = await this.walk(path, verifier, { compareWithDatabase: true });
    const { header } = walk;
    const problems = [...walk.problems, ...verifier.findings.map(findingText)];
    if (header !== undefined) {
      if (header.firstId !== (start?.toId ?? 0) + 1 || header.countBefore !== (start?.countUpTo ?? 0)) {
        problems.push(
          `starts at event ${header.firstId}, but the chain in the database starts at event ${(start?.toId ?? 0) + 1}`,
        );
      }
      // What was checked is what the prune records: the file must not have changed while it was read.
      if ((await sha256OfFile(path)) !== sha256) problems.push('changed while it was being checked');
      for (const { location, reading } of await this.checkpoints.readAll()) {
        if (reading?.state === 'valid' && reading.checkpoint.id < header.lastId) {
          problems.push(
            `ends after the ${location} checkpoint (event ${reading.checkpoint.id}): let the broker write a checkpoint first`,
          );
        }
      }
    }
    if (header === undefined || problems.length > 0) {
      throw new DomainError(
        ErrorCode.InvalidInput,
        `Not pruned, nothing changed: ${basename(path)} ${problems.join('; ')}`,
      );
    }
    const event = await this.audit.record({
      actor,
      action: AUDIT_PRUNED,
      outcome: 'succeeded',
      reason: `events ${header.firstId}–${header.lastId} archived to ${basename(path).slice(0, 200)}`,
      details: {
        fromId: header.firstId,
        toId: header.lastId,
        count: header.count,
        headHash: header.headHash,
        tailHash: header.tailHash,
        countUpTo: header.countBefore + header.count,
        keyEpoch: hasher.epoch,
        archiveSha256: sha256,
      },
    });
    const range = prunedRangeOf({ ...event, id: Number(event.id), details: JSON.stringify(event.details) });
    if (range === undefined) throw new DomainError(ErrorCode.Internal, 'The prune event does not read back as a prune');
    // Recorded before the rows go: a prune cut short leaves its range archived, and the next prune removes the rest.
    await this.store.deleteUpTo(range.toId);
    await this.writer.writeNow();
    this.logger.warn(
      { by: actor.subject, fromId: range.fromId, toId: range.toId, sha256 },
      'archived audit events pruned',
    );
    return range;
  }

  /**
   * Feeds the archive's events to `verifier` (which the caller placed where the chain before them
   * ends) and checks the
   * file around them: its header and trailer, its checkpoint's signature and coverage, and with
   * `compareWithDatabase` that every event is the one the database holds.
   */
  async walk(
    path: string,
    verifier: ChainVerifier,
    {
      compareWithDatabase = false,
      visit = () => undefined,
    }: { compareWithDatabase?: boolean; visit?: (event: ChainedEvent) => void } = {},
  ): Promise<ArchiveWalk> {
    let header: ArchiveHeader | undefined;
    let segment: ArchiveSegmentCheck | undefined;
    const problems: string[] = [];
    let pending: ChainedEvent[] = [];
    const compare = async () => {
      if (compareWithDatabase && pending.length > 0) problems.push(...(await this.compareWithDatabase(pending)));
      pending = [];
    };
    try {
      for await (const entry of readArchive(path)) {
        if (entry.kind === 'header') {
          header = entry.header;
          segment = new ArchiveSegmentCheck(header);
        } else if (entry.kind === 'trailer') {
          segment?.end(entry.trailer);
        } else {
          const misplaced = segment?.accept(entry.event);
          if (misplaced !== undefined && problems.length < 10) problems.push(`line ${entry.line}: ${misplaced}`);
          verifier.accept(entry.event);
          visit(entry.event);
          pending.push(entry.event);
          if (pending.length >= WRITE_BATCH) await compare();
        }
      }
      await compare();
    } catch (error) {
      if (!(error instanceof ArchiveFormatError)) throw error;
      problems.push(error.message);
    }
    if (header === undefined || segment === undefined) return { header: undefined, problems };
    problems.push(...segment.finish(), ...(await this.checkpointProblems(header)));
    return { header, problems };
  }

  /** The checkpoint an archive holds, when signed under this broker's key (or an earlier epoch's). */
  checkpointOf(header: ArchiveHeader): AuditCheckpoint | undefined {
    const reading = decodeCheckpoint(header.checkpoint, this.keys.checkpoint, this.keys.retiredCheckpointKeys);
    return reading.state === 'valid'
      ? reading.checkpoint
      : reading.state === 'invalid'
        ? reading.superseded
        : undefined;
  }

  private async checkpointProblems(header: ArchiveHeader): Promise<string[]> {
    const checkpoint = this.checkpointOf(header);
    if (checkpoint === undefined) return ['holds a checkpoint whose signature does not verify'];
    if (checkpoint.id < header.lastId)
      return [`holds a checkpoint of event ${checkpoint.id}, before its tail event ${header.lastId}`];
    const hash = checkpoint.id === header.lastId ? header.tailHash : await this.store.hashAt(checkpoint.id);
    // Once that event was pruned too, a later archive holds it, and verify over both compares it.
    if (hash !== undefined && hash !== checkpoint.hash)
      return [`holds a checkpoint of event ${checkpoint.id} with another hash than the chain`];
    return [];
  }

  private async compareWithDatabase(events: readonly ChainedEvent[]): Promise<string[]> {
    const stored = new Map<number, string>();
    for await (const event of this.store.eventsBetween(events[0].id, events[events.length - 1].id))
      stored.set(event.id, event.hash);
    const differing = events.filter((event) => stored.get(event.id) !== event.hash);
    return differing.slice(0, 10).map((event) => `event ${event.id} is not the one the database holds`);
  }

  /** A signed checkpoint at or after `lastId` that the chain extends; written first when there is none. */
  private async coveringCheckpoint(lastId: number): Promise<{ checkpoint: AuditCheckpoint; location: string }> {
    await this.writer.writeNow();
    for (const { location, reading } of await this.checkpoints.readAll()) {
      if (reading?.state !== 'valid' || reading.checkpoint.id < lastId) continue;
      if ((await this.store.hashAt(reading.checkpoint.id)) === reading.checkpoint.hash)
        return { checkpoint: reading.checkpoint, location };
    }
    throw new DomainError(
      ErrorCode.Unavailable,
      `No signed checkpoint covers event ${lastId}, and none could be written (see the log)`,
    );
  }

  private async writeFile(path: string, header: ArchiveHeader): Promise<void> {
    const file = await open(path, 'wx', 0o600);
    try {
      await file.write(headerLineOf(header));
      const verifier = new ChainVerifier(this.keys.walk(header.keyEpoch));
      verifier.jumpTo({ id: header.firstId - 1, hash: header.headHash }, header.countBefore);
      let lines: string[] = [];
      for await (const event of this.store.eventsBetween(header.firstId, header.lastId)) {
        verifier.accept(event);
        lines.push(eventLineOf(event));
        if (lines.length >= WRITE_BATCH) {
          await file.write(lines.join(''));
          lines = [];
        }
      }
      await file.write(lines.join(''));
      // An archive vouches for what it holds: a chain broken in the database is not archived.
      if (!verifier.intact || verifier.head.id !== header.lastId) {
        const [first] = verifier.findings;
        throw new DomainError(
          ErrorCode.Unprocessable,
          `Not archived: ${first ? findingText(first) : `the chain ends at event ${verifier.head.id}`}; run verify`,
        );
      }
      await file.write(trailerLineOf({ lastId: header.lastId, count: header.count, tailHash: header.tailHash }));
      await file.sync();
    } finally {
      await file.close();
    }
  }
}

export function findingText({ kind, fromId, toId }: ChainFinding): string {
  const events = fromId === toId ? `event ${fromId}` : `events ${fromId}–${toId}`;
  if (kind === 'gap') return `${events} missing`;
  if (kind === 'broken-link') return `${events} does not link to the event before it`;
  return `${events} does not match its hash under the key`;
}
