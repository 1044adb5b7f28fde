import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository, type SelectQueryBuilder } from 'typeorm';
import type { Actor } from '../common/actor.js';
import { DomainError, ErrorCode } from '../common/errors/domain-error.js';
import { CursorCodec } from '../common/paging/cursor-codec.js';
import type { PageRequest } from '../common/paging/page.js';
import type { AccessRequest } from '../grants/decision.js';
import { PolicyService } from '../grants/policy.service.js';
import { ANY } from '../common/vocabulary/scope.js';
import { basename } from 'node:path';
import {
  archiveHeader,
  ArchiveFormatError,
  prunedRangeOf,
  sha256OfFile,
  type ArchiveHeader,
  type PrunedRange,
} from '../audit/audit-archive.js';
import { AuditArchives } from '../audit/audit-archives.js';
import { ChainVerifier, GENESIS_HASH, type ChainedEvent } from '../audit/audit-chain.js';
import { AuditEventStore } from '../audit/audit-event.store.js';
import { AuditCheckpoints } from '../audit/audit-checkpoints.js';
import { AuditKeys } from '../audit/audit-keys.js';
import { acknowledgedRestoreOf, RESTORE_ACKNOWLEDGED, type AcknowledgedRestore } from '../audit/audit-restores.js';
import { ArchiveFindings, type GivenArchive } from './archive-findings.js';
import { validCheckpoints, verificationReport } from './audit-verification.js';
import { auditVisibility, restrictTo, type AuditVisibility } from './audit-visibility.js';
import type { AuditEventFilter, AuditTimeRange } from './dto/audit-event-filter.input.js';
import { AuditEventEntity } from '../audit/entities/audit-event.entity.js';
import { AuditChainVerification } from './models/audit-chain-verification.model.js';
import { toAuditEventView } from '../audit/audit-views.js';
import { AuditEventPage, type AuditEventView } from '../audit/models/audit-event.model.js';

// Rows read per query while walking the chain or streaming an export: bounded memory either way.
const BATCH_SIZE = 1_000;
const CURSOR_ID = /^[1-9][0-9]{0,15}$/;

/** Listing or exporting needs audit:read somewhere; each event is then shown only inside the caller's scopes. */
const READS_SOME_EVENTS: AccessRequest = { kind: 'anywhere', verb: 'audit:read' };

/** Reading the audit trail, for REST and GraphQL alike. */
@Injectable()
export class AuditQueryService {
  constructor(
    @InjectRepository(AuditEventEntity) private readonly events: Repository<AuditEventEntity>,
    private readonly policy: PolicyService,
    private readonly checkpoints: AuditCheckpoints,
    private readonly keys: AuditKeys,
    private readonly cursors: CursorCodec,
    private readonly store: AuditEventStore,
    private readonly archives: AuditArchives,
  ) {}

  /**
   * Newest first. The cursor is the last id of the previous page, sealed and bound to this caller
   * and filter, checked before anything is decided or read.
   */
  async list(actor: Actor, filter: AuditEventFilter, page: PageRequest): Promise<AuditEventPage> {
    checkRange(filter);
    const listing = `audit-events|${actor.subject}|${JSON.stringify(filterKey(filter))}`;
    const before = page.cursor === undefined ? undefined : idOf(this.cursors.open(page.cursor, listing));
    await this.policy.authorize(actor, READS_SOME_EVENTS);
    const query = this.scopedQuery(await this.visibilityOf(actor), filter);
    if (before !== undefined) query.andWhere('event.id < :before', { before });
    const rows = await query
      .orderBy('event.id', 'DESC')
      .limit(page.size + 1)
      .getMany();
    const items = rows.slice(0, page.size).map(toAuditEventView);
    const next = rows.length > page.size ? this.cursors.seal(items[items.length - 1].id, listing) : null;
    return Object.assign(new AuditEventPage(), { items, continue: next });
  }

  /** Oldest first, read in batches as the consumer pulls; access is checked before the first row. */
  async export(actor: Actor, range: AuditTimeRange): Promise<AsyncIterable<AuditEventView>> {
    checkRange(range);
    await this.policy.authorize(actor, READS_SOME_EVENTS);
    const visibility = await this.visibilityOf(actor);
    return this.walk((query) => restrictTo(this.applyFilter(query, range), visibility), toAuditEventView);
  }

  /**
   * Walks the whole chain in id order, checking every link under the key, and compares it with
   * the checkpoints kept outside the database. Only an auditor of everything may: the chain spans
   * every namespace, and a narrower auditor would learn of events it cannot see. Archived events
   * are listed, not checked: `verifyChain` with their files checks them.
   */
  async verify(actor: Actor): Promise<AuditChainVerification> {
    await this.policy.authorize(actor, {
      kind: 'scope',
      verbs: ['audit:read'],
      scope: { namespace: ANY, namePattern: ANY },
    });
    return this.verifyChain();
  }

  /**
   * The chain as one: the archive files given (the operator's command reads them from its disk),
   * then the database from where its chain starts. Ranges pruned but not given are reported as
   * unchecked, except between the archives given and the database, where the chain must connect.
   */
  async verifyChain(archivePaths: readonly string[] = []): Promise<AuditChainVerification> {
    // Read first: a checkpoint never names an event the walk that follows could miss.
    const readings = await this.checkpoints.readAll();
    const start = await this.store.chainStart();
    const archives = await this.archiveHeaders(archivePaths);
    const hasher = this.keys.walk();
    const verifier = new ChainVerifier(hasher, [
      ...validCheckpoints(readings).map(({ checkpoint }) => checkpoint.id),
      ...archives.flatMap(({ checkpoint }) => (checkpoint ? [checkpoint.id] : [])),
    ]);
    const acknowledged: AcknowledgedRestore[] = [];
    const pruned = new Map<number, PrunedRange>();
    const visit = (event: ChainedEvent) => {
      const restore = event.action === RESTORE_ACKNOWLEDGED ? acknowledgedRestoreOf(event) : undefined;
      if (restore) acknowledged.push(restore);
      const range = prunedRangeOf(event);
      if (range) pruned.set(range.fromId, range);
    };
    const findings = new ArchiveFindings();
    const walked: typeof archives = [];
    for (const archive of archives) {
      const { header, path } = archive;
      if (header.firstId <= verifier.head.id) {
        findings.add('archive-invalid', `${basename(path)} overlaps the archive before it`);
        continue;
      }
      if (header.firstId > verifier.head.id + 1) {
        if (verifier.head.id > 0) findings.missing(verifier.head.id + 1, header.firstId - 1);
        verifier.jumpTo({ id: header.firstId - 1, hash: header.headHash }, header.countBefore);
        hasher.resume(header.keyEpoch);
      }
      const walk = await this.archives.walk(path, verifier, { visit });
      walk.problems.forEach((problem) => findings.add('archive-invalid', `${basename(path)} ${problem}`));
      walked.push(archive);
    }
    const startId = start?.toId ?? 0;
    if (walked.length > 0 && verifier.head.id < startId) findings.missing(verifier.head.id + 1, startId);
    // Back to where the database's chain starts when an archive given reached past it (one not pruned).
    if (verifier.head.id !== startId) {
      verifier.jumpTo({ id: startId, hash: start?.tailHash ?? GENESIS_HASH }, start?.countUpTo ?? 0);
      hasher.resume(start?.keyEpoch ?? 0);
    }
    for await (const event of this.walk(
      (query) => query.andWhere('event.id > :startId', { startId }),
      (row) => row,
    )) {
      verifier.accept(event);
      visit(event);
    }
    const checked = findings.matchArchives(walked, [...pruned.values()], verifier);
    return verificationReport(verifier, readings, {
      lastWrittenTo: (location) => this.checkpoints.lastWrittenTo(location),
      keyEpoch: { reached: hasher.epoch, newest: this.keys.epoch },
      acknowledged,
      archived: [...pruned.values()]
        .sort((a, b) => a.fromId - b.fromId)
        .map((range) => ({ range, checked: checked.has(range.fromId) })),
      archiveFindings: findings.all,
    });
  }

  private async archiveHeaders(paths: readonly string[]): Promise<GivenArchive[]> {
    const archives: GivenArchive[] = [];
    for (const path of paths) {
      let header: ArchiveHeader;
      try {
        header = await archiveHeader(path);
      } catch (error) {
        const why = error instanceof ArchiveFormatError ? error.message : 'it cannot be read';
        throw new DomainError(ErrorCode.InvalidInput, `${basename(path)} is not an audit archive: ${why}`);
      }
      archives.push({ path, header, checkpoint: this.archives.checkpointOf(header), sha256: await sha256OfFile(path) });
    }
    return archives.sort((a, b) => a.header.firstId - b.header.firstId);
  }

  private async *walk<T>(
    restrict: (query: SelectQueryBuilder<AuditEventEntity>) => void,
    map: (row: AuditEventEntity) => T,
  ): AsyncGenerator<T> {
    let afterId = 0;
    for (;;) {
      const query = this.events.createQueryBuilder('event').where('event.id > :afterId', { afterId });
      restrict(query);
      const rows = await query.orderBy('event.id', 'ASC').limit(BATCH_SIZE).getMany();
      for (const row of rows) yield map(row);
      if (rows.length < BATCH_SIZE) return;
      afterId = rows[rows.length - 1].id;
    }
  }

  private async visibilityOf(actor: Actor): Promise<AuditVisibility> {
    return auditVisibility(await this.policy.effectiveGrants(actor));
  }

  private scopedQuery(visibility: AuditVisibility, filter: AuditEventFilter): SelectQueryBuilder<AuditEventEntity> {
    const query = this.applyFilter(this.events.createQueryBuilder('event'), filter);
    if (filter.subject !== undefined) query.andWhere('event.subject = :subject', { subject: filter.subject });
    if (filter.verb !== undefined) query.andWhere('event.action = :action', { action: filter.verb });
    if (filter.namespace !== undefined) query.andWhere('event.namespace = :namespace', { namespace: filter.namespace });
    if (filter.name !== undefined) query.andWhere('event.name = :name', { name: filter.name });
    if (filter.outcome !== undefined) query.andWhere('event.outcome = :outcome', { outcome: filter.outcome });
    restrictTo(query, visibility);
    return query;
  }

  private applyFilter(
    query: SelectQueryBuilder<AuditEventEntity>,
    range: AuditTimeRange,
  ): SelectQueryBuilder<AuditEventEntity> {
    if (range.since !== undefined) query.andWhere('event.time >= :since', { since: range.since });
    if (range.until !== undefined) query.andWhere('event.time <= :until', { until: range.until });
    return query;
  }
}

function checkRange(range: AuditTimeRange): void {
  if (range.since !== undefined && range.until !== undefined && range.since > range.until) {
    throw new DomainError(ErrorCode.InvalidInput, 'since must not be after until');
  }
}

/** The filter as a cursor binds it (the page fields of a REST query are not part of it). */
function filterKey({ subject, verb, namespace, name, outcome, since, until }: AuditEventFilter): unknown[] {
  return [subject, verb, namespace, name, outcome, since?.toISOString(), until?.toISOString()];
}

function idOf(position: string): number {
  if (!CURSOR_ID.test(position))
    throw new DomainError(ErrorCode.InvalidInput, 'continue is not a cursor this API returned');
  return Number(position);
}
