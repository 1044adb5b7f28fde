import { Inject, Injectable } from '@nestjs/common';
import type { Logger } from 'pino';
import { DomainError, ErrorCode } from '../common/errors/domain-error.js';
import { ROOT_LOGGER } from '../common/logging/logger.js';
import type { CheckpointHead } from './audit-checkpoint.js';
import { AuditCheckpoints } from './audit-checkpoints.js';
import type { AuditAction, AuditDetailValue, AuditEventInput } from './audit-event.js';
import { AuditEventStore } from './audit-event.store.js';
import { AuditService } from './audit.service.js';
import type { CheckpointLocation } from './checkpoint-locations.js';

export const RESTORE_ACKNOWLEDGED: AuditAction = 'restore_acknowledged';

/** The events a restore from a backup lost, as an acknowledgment in the chain names them. */
export interface AcknowledgedRestore {
  /** The acknowledgment event. */
  readonly eventId: number;
  /** The lost events' ids in the chain before the restore (ids after the restored head are used again). */
  readonly fromId: number;
  readonly toId: number;
  /** How many events the checkpoint proves were lost. */
  readonly lostEvents: number;
  /** The checkpoint the loss was measured against, and where it was kept. */
  readonly checkpoint: CheckpointHead;
  readonly location: string;
  readonly acknowledgedBy: string;
  readonly acknowledgedAt: Date;
  readonly reason: string;
}

type Details = Record<string, AuditDetailValue>;

/**
 * A database restored from a backup holds a shorter chain than the checkpoints kept outside it
 * recorded; the broker refuses to move those checkpoints onto it. An operator turns the gap into
 * an attributed act (`restore_acknowledged`): it names the lost range the checkpoint proves and
 * the checkpoint it was measured against. Verify then lists the gap instead of failing on it,
 * and checkpoints advance again.
 */
@Injectable()
export class AuditRestores {
  private readonly logger: Logger;

  constructor(
    private readonly store: AuditEventStore,
    private readonly checkpoints: AuditCheckpoints,
    private readonly audit: AuditService,
    @Inject(ROOT_LOGGER) rootLogger: Logger,
  ) {
    this.logger = rootLogger.child({ component: 'audit-restore' });
  }

  /**
   * The attributed act: one `restore_acknowledged` event per checkpoint the chain no longer
   * extends. Refused when there is nothing to acknowledge.
   */
  async acknowledge(actor: AuditEventInput['actor'], reason: string): Promise<AcknowledgedRestore[]> {
    const why = reason.trim();
    if (why === '') throw new DomainError(ErrorCode.InvalidInput, 'reason must say why the gap is acknowledged');
    const unextended = await this.unextendedCheckpoints();
    if (unextended.length === 0) {
      throw new DomainError(ErrorCode.InvalidInput, 'Nothing to acknowledge: the chain extends every checkpoint');
    }
    const acknowledged: AcknowledgedRestore[] = [];
    for (const { checkpoint, location } of unextended) {
      const restoredHead = await this.restoredHead(checkpoint);
      const kept = await this.store.countUpTo(restoredHead);
      const event = await this.audit.record({
        actor,
        action: RESTORE_ACKNOWLEDGED,
        outcome: 'succeeded',
        reason: why,
        details: {
          ...checkpointDetails(checkpoint, location),
          lostFromId: restoredHead + 1,
          lostToId: checkpoint.id,
          lostEvents: Math.max(checkpoint.count - kept, 0),
        },
      });
      const restore = acknowledgedRestoreOf({
        id: Number(event.id),
        subject: event.subject,
        time: event.time,
        reason: event.reason,
        details: JSON.stringify(event.details),
      });
      if (restore) acknowledged.push(restore);
      this.logger.warn(
        { by: actor.subject, fromId: restoredHead + 1, toId: checkpoint.id, checkpointId: checkpoint.id, location },
        'audit events lost to a database restore acknowledged',
      );
    }
    return acknowledged;
  }

  /** Whether an acknowledgment in the chain names `checkpoint` (so it may be replaced). */
  async acknowledges(checkpoint: CheckpointHead): Promise<boolean> {
    const acknowledgments = await this.store.detailsOfAction(RESTORE_ACKNOWLEDGED);
    return acknowledgments.some((details) => sameCheckpoint(parseDetails(details), checkpoint));
  }

  private async unextendedCheckpoints(): Promise<Array<{ checkpoint: CheckpointHead; location: string }>> {
    const found: Array<{ checkpoint: CheckpointHead; location: CheckpointLocation['name'] }> = [];
    for (const { location, reading } of await this.checkpoints.readAll()) {
      if (reading?.state !== 'valid' || reading.checkpoint.id === 0) continue;
      const { checkpoint } = reading;
      if ((await this.store.hashAt(checkpoint.id)) === checkpoint.hash) continue;
      if (found.some((other) => other.checkpoint.id === checkpoint.id && other.checkpoint.hash === checkpoint.hash))
        continue;
      if (await this.acknowledges(checkpoint)) continue;
      found.push({ checkpoint, location });
    }
    return found;
  }

  /**
   * The head of the restored chain: its newest event written before the checkpoint. Every event
   * of the backup is older than the checkpoint the chain no longer extends (or the backup would
   * hold the checkpoint's event), and every event written after the restore is newer.
   */
  private restoredHead(checkpoint: CheckpointHead): Promise<number> {
    return this.store.newestUpTo(checkpoint.id, checkpoint.writtenAt);
  }
}

/** The acknowledgment an event records, or undefined for any other event. */
export function acknowledgedRestoreOf(event: {
  readonly id: number;
  readonly subject: string;
  readonly time: Date;
  readonly reason: string | null;
  readonly details: string | null;
}): AcknowledgedRestore | undefined {
  const details = parseDetails(event.details);
  const numbers = ['checkpointId', 'checkpointCount', 'lostFromId', 'lostToId', 'lostEvents'].map((key) =>
    Number(details[key]),
  );
  if (numbers.some((value) => !Number.isSafeInteger(value))) return undefined;
  const [id, count, fromId, toId, lostEvents] = numbers;
  return {
    eventId: event.id,
    fromId,
    toId,
    lostEvents,
    checkpoint: {
      id,
      count,
      hash: String(details.checkpointHash),
      writtenAt: new Date(String(details.checkpointWrittenAt)),
    },
    location: String(details.checkpointLocation),
    acknowledgedBy: event.subject,
    acknowledgedAt: event.time,
    reason: event.reason ?? '',
  };
}

export function sameCheckpoint(details: Details, checkpoint: CheckpointHead): boolean {
  return details.checkpointId === checkpoint.id && details.checkpointHash === checkpoint.hash;
}

function checkpointDetails(checkpoint: CheckpointHead, location: string): Details {
  return {
    checkpointId: checkpoint.id,
    checkpointHash: checkpoint.hash,
    checkpointCount: checkpoint.count,
    checkpointWrittenAt: checkpoint.writtenAt.toISOString(),
    checkpointLocation: location,
  };
}

function parseDetails(text: string | null): Details {
  try {
    const parsed: unknown = JSON.parse(text ?? '{}');
    return typeof parsed === 'object' && parsed !== null ? (parsed as Details) : {};
  } catch {
    return {};
  }
}
