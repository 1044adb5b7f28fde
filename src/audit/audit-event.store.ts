import { Between, LessThan, LessThanOrEqual, MoreThan, type DataSource } from 'typeorm';
import { AUDIT_PRUNED, prunedRangeOf, type PrunedRange } from './audit-archive.js';
import {
  EMPTY_CHAIN,
  sealAfter,
  type ChainedEvent,
  type ChainHead,
  type LinkHasher,
  type UnsealedEvent,
} from './audit-chain.js';
import { AuditEventEntity } from './entities/audit-event.entity.js';

/**
 * The one chain in the database: appends (atomic and in order, whichever replica writes), the
 * reads a checkpoint writer needs, and the one-time re-keying of a chain linked before keys.
 */
export abstract class AuditEventStore {
  constructor(
    protected readonly dataSource: DataSource,
    protected readonly hasher: LinkHasher,
  ) {}

  abstract append(events: readonly UnsealedEvent[]): Promise<ChainedEvent[]>;

  /**
   * Under the chain lock: when every event verifies under `legacy` (ids from 1, links, hashes),
   * relinks the whole chain under the store's hasher and returns how many events it rewrote;
   * otherwise changes nothing and returns undefined.
   */
  abstract rekey(legacy: LinkHasher): Promise<number | undefined>;

  async newest(): Promise<ChainedEvent | undefined> {
    const [event] = await this.dataSource.getRepository(AuditEventEntity).find({ order: { id: 'DESC' }, take: 1 });
    return event;
  }

  /** The hash of the event at `id`; the tail of the pruned prefix is remembered by the prune's event. */
  async hashAt(id: number): Promise<string | undefined> {
    const start = await this.chainStart();
    if (start !== undefined && id <= start.toId) return id === start.toId ? start.tailHash : undefined;
    const event = await this.dataSource
      .getRepository(AuditEventEntity)
      .findOne({ where: { id }, select: { id: true, hash: true } });
    return event?.hash;
  }

  /** Events with `afterId` < id ≤ `upToId` still in the database. */
  countBetween(afterId: number, upToId: number): Promise<number> {
    return this.dataSource.getRepository(AuditEventEntity).count({ where: { id: Between(afterId + 1, upToId) } });
  }

  /** Events up to and including `id` over the chain's whole history: archived and pruned ones too. */
  async countUpTo(id: number): Promise<number> {
    const start = await this.chainStart();
    if (start === undefined) return this.countBetween(0, id);
    return id <= start.toId
      ? Math.min(id, start.countUpTo)
      : start.countUpTo + (await this.countBetween(start.toId, id));
  }

  /**
   * Where the chain in the database starts: the newest prune (its events archived and removed),
   * or undefined while nothing was pruned. Its event is in the chain after the pruned range, so a
   * walk from the start checks it under the key.
   */
  async chainStart(): Promise<PrunedRange | undefined> {
    const rows = await this.dataSource.getRepository(AuditEventEntity).find({
      where: { action: AUDIT_PRUNED },
      select: { id: true, action: true, subject: true, time: true, details: true },
    });
    return rows
      .map(prunedRangeOf)
      .filter((range) => range !== undefined)
      .reduce<PrunedRange | undefined>(
        (newest, range) => (newest && newest.toId >= range.toId ? newest : range),
        undefined,
      );
  }

  /** The id of the newest event after `afterId` written before `time`; undefined when there is none. */
  async newestBefore(afterId: number, time: Date): Promise<number | undefined> {
    const [event] = await this.dataSource.getRepository(AuditEventEntity).find({
      where: { id: MoreThan(afterId), time: LessThan(time) },
      order: { id: 'DESC' },
      take: 1,
      select: { id: true },
    });
    return event?.id;
  }

  /** Events with `fromId` ≤ id ≤ `toId`, oldest first, read in batches. */
  async *eventsBetween(fromId: number, toId: number): AsyncGenerator<ChainedEvent> {
    for (let afterId = fromId - 1; ;) {
      const rows = await this.dataSource
        .getRepository(AuditEventEntity)
        .createQueryBuilder('event')
        .where('event.id > :afterId AND event.id <= :toId', { afterId, toId })
        .orderBy('event.id', 'ASC')
        .limit(READ_BATCH)
        .getMany();
      yield* rows;
      if (rows.length < READ_BATCH) return;
      afterId = rows[rows.length - 1].id;
    }
  }

  /**
   * Removes every event up to `toId` (a range pruned before and left behind by an interrupted
   * prune too), a batch at a time so no statement holds the table long.
   */
  async deleteUpTo(toId: number): Promise<void> {
    const [oldest] = await this.dataSource
      .getRepository(AuditEventEntity)
      .find({ order: { id: 'ASC' }, take: 1, select: { id: true } });
    for (let first = oldest?.id ?? toId + 1; first <= toId; first += DELETE_BATCH) {
      await this.dataSource
        .getRepository(AuditEventEntity)
        .delete({ id: Between(first, Math.min(first + DELETE_BATCH - 1, toId)) });
    }
  }

  /** The details of every event of `action` (the restore acknowledgments). */
  async detailsOfAction(action: string): Promise<Array<string | null>> {
    const rows = await this.dataSource
      .getRepository(AuditEventEntity)
      .find({ where: { action }, select: { id: true, details: true } });
    return rows.map((row) => row.details);
  }

  /** The id of the newest event with id ≤ `id` written at or before `time`; 0 when there is none. */
  async newestUpTo(id: number, time: Date): Promise<number> {
    const [event] = await this.dataSource.getRepository(AuditEventEntity).find({
      where: { id: LessThanOrEqual(id), time: LessThanOrEqual(time) },
      order: { id: 'DESC' },
      take: 1,
      select: { id: true },
    });
    return event?.id ?? 0;
  }
}

/** The stored columns, in the order `rowValues` lists an event's values. */
export const COLUMNS = [
  'id',
  'time',
  'request_id',
  'subject',
  'action',
  'outcome',
  'namespace',
  'name',
  'version',
  'matched_grants',
  'reason',
  'source_ip',
  'user_agent',
  'latency_ms',
  'intent_id',
  'details',
  'prev_hash',
  'hash',
] as const;
export const HEAD_QUERY = 'SELECT id, hash FROM audit_events ORDER BY id DESC LIMIT 1';
// Rows read and rewritten at a time while re-keying: bounded memory and statement size.
export const REKEY_BATCH = 500;
const READ_BATCH = 1_000;
const DELETE_BATCH = 10_000;

export function rowValues(event: ChainedEvent, time: string | Date): unknown[] {
  return [
    event.id,
    time,
    event.requestId,
    event.subject,
    event.action,
    event.outcome,
    event.namespace,
    event.name,
    event.version,
    event.matchedGrants,
    event.reason,
    event.sourceIp,
    event.userAgent,
    event.latencyMs,
    event.intentId,
    event.details,
    event.prevHash,
    event.hash,
  ];
}

export function headOf(rows: ReadonlyArray<{ id: string | number; hash: string }>): ChainHead {
  return rows.length === 0 ? EMPTY_CHAIN : { id: Number(rows[0].id), hash: rows[0].hash };
}

/** The same events linked anew from `previousHash`, keeping their ids (which re-keying checked are consecutive). */
export function relink(events: readonly ChainedEvent[], previousHash: string, hasher: LinkHasher): ChainedEvent[] {
  return sealAfter({ id: events[0].id - 1, hash: previousHash }, events, hasher);
}
