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
import { ChainVerifier } from '../audit/audit-chain.js';
import { AuditCheckpoints } from '../audit/audit-checkpoints.js';
import { AuditKeys } from '../audit/audit-keys.js';
import { acknowledgedRestoreOf, RESTORE_ACKNOWLEDGED, type AcknowledgedRestore } from '../audit/audit-restores.js';
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
   * every namespace, and a narrower auditor would learn of events it cannot see.
   */
  async verify(actor: Actor): Promise<AuditChainVerification> {
    await this.policy.authorize(actor, {
      kind: 'scope',
      verbs: ['audit:read'],
      scope: { namespace: ANY, namePattern: ANY },
    });
    // Read first: a checkpoint never names an event the walk that follows could miss.
    const readings = await this.checkpoints.readAll();
    const hasher = this.keys.walk();
    const verifier = new ChainVerifier(
      hasher,
      validCheckpoints(readings).map(({ checkpoint }) => checkpoint.id),
    );
    const acknowledged: AcknowledgedRestore[] = [];
    for await (const event of this.walk(
      () => undefined,
      (row) => row,
    )) {
      verifier.accept(event);
      const restore = event.action === RESTORE_ACKNOWLEDGED ? acknowledgedRestoreOf(event) : undefined;
      if (restore) acknowledged.push(restore);
    }
    return verificationReport(verifier, readings, {
      lastWrittenTo: (location) => this.checkpoints.lastWrittenTo(location),
      keyEpoch: { reached: hasher.epoch, newest: this.keys.epoch },
      acknowledged,
    });
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
