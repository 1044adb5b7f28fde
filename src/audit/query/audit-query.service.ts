import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository, type SelectQueryBuilder } from 'typeorm';
import type { Actor } from '../../common/actor.js';
import { DomainError, ErrorCode } from '../../common/errors/domain-error.js';
import { PolicyService } from '../../grants/policy.service.js';
import { ANY } from '../../common/vocabulary/scope.js';
import { ChainVerifier } from '../audit-chain.js';
import { AuditCheckpoints } from '../audit-checkpoints.js';
import { AuditKeys } from '../audit-keys.js';
import { validCheckpoints, verificationReport } from './audit-verification.js';
import { auditVisibility, restrictTo, type AuditVisibility } from './audit-visibility.js';
import type { AuditEventFilter, AuditTimeRange } from './dto/audit-event-filter.input.js';
import { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE } from './dto/audit-events.query.js';
import { AuditEventEntity } from '../entities/audit-event.entity.js';
import { AuditChainVerification } from './models/audit-chain-verification.model.js';
import { AuditEventPage, AuditEventView, toAuditEventView } from '../models/audit-event.model.js';

// Rows read per query while walking the chain or streaming an export: bounded memory either way.
const BATCH_SIZE = 1_000;
const CURSOR_ID = /^[1-9][0-9]{0,15}$/;

/** Reading the audit trail, for REST and GraphQL alike. */
@Injectable()
export class AuditQueryService {
  constructor(
    @InjectRepository(AuditEventEntity) private readonly events: Repository<AuditEventEntity>,
    private readonly policy: PolicyService,
    private readonly checkpoints: AuditCheckpoints,
    private readonly keys: AuditKeys,
  ) {}

  /** Newest first; `after` is the nextCursor of the previous page. */
  async list(
    actor: Actor,
    filter: AuditEventFilter,
    after?: string,
    first = DEFAULT_PAGE_SIZE,
  ): Promise<AuditEventPage> {
    if (!Number.isInteger(first) || first < 1 || first > MAX_PAGE_SIZE) {
      throw new DomainError(ErrorCode.InvalidInput, `first must be between 1 and ${MAX_PAGE_SIZE}`);
    }
    const before = after === undefined ? undefined : decodeCursor(after);
    const query = this.scopedQuery(await this.visibilityOf(actor), filter);
    if (before !== undefined) query.andWhere('event.id < :before', { before });
    const rows = await query
      .orderBy('event.id', 'DESC')
      .limit(first + 1)
      .getMany();
    const items = rows.slice(0, first).map(toAuditEventView);
    await this.policy.recordListing(actor, 'audit:read');
    return Object.assign(new AuditEventPage(), {
      items,
      nextCursor: rows.length > first ? encodeCursor(items[items.length - 1].id) : null,
    });
  }

  /** Oldest first, read in batches as the consumer pulls; access is checked before the first row. */
  async export(actor: Actor, range: AuditTimeRange): Promise<AsyncIterable<AuditEventView>> {
    const visibility = await this.visibilityOf(actor);
    checkRange(range);
    await this.policy.recordListing(actor, 'audit:read');
    return this.walk((query) => restrictTo(this.applyFilter(query, range), visibility), toAuditEventView);
  }

  /**
   * Walks the whole chain in id order, checking every link under the key, and compares it with
   * the checkpoints kept outside the database. Only an auditor of everything may: the chain spans
   * every namespace, and a narrower auditor would learn of events it cannot see.
   */
  async verify(actor: Actor): Promise<AuditChainVerification> {
    await this.policy.assertHoldsOver(actor, ['audit:read'], { namespace: ANY, namePattern: ANY });
    // Read first: a checkpoint never names an event the walk that follows could miss.
    const readings = await this.checkpoints.readAll();
    const verifier = new ChainVerifier(
      this.keys.link,
      validCheckpoints(readings).map(({ checkpoint }) => checkpoint.id),
    );
    for await (const event of this.walk(
      () => undefined,
      (row) => row,
    ))
      verifier.accept(event);
    return verificationReport(verifier, readings);
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
    checkRange(filter);
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

/** The cursor is opaque to callers: base64url of the last id on the page. */
export function encodeCursor(id: string): string {
  return Buffer.from(id).toString('base64url');
}

function decodeCursor(cursor: string): number {
  const id = Buffer.from(cursor, 'base64url').toString('utf8');
  if (!CURSOR_ID.test(id) || encodeCursor(id) !== cursor) {
    throw new DomainError(ErrorCode.InvalidInput, 'after is not a cursor this API returned');
  }
  return Number(id);
}
