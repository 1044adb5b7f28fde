import type { ChainFinding, ChainVerifier } from '../audit/audit-chain.js';
import { truncationFindings, type AuditCheckpoint, type CheckpointHead } from '../audit/audit-checkpoint.js';
import type { LocationReading } from '../audit/audit-checkpoints.js';
import type { AcknowledgedRestore } from '../audit/audit-restores.js';
import type { PrunedRange } from '../audit/audit-archive.js';
import {
  AcknowledgedAuditGap,
  ArchivedAuditRange,
  AuditEventRange,
  AuditChainFinding,
  AuditChainVerification,
  AuditCheckpointReference,
} from './models/audit-chain-verification.model.js';

/** The checkpoints among `readings` whose signature verifies, newest first. */
export function validCheckpoints(
  readings: readonly LocationReading[],
): Array<{ location: LocationReading['location']; checkpoint: AuditCheckpoint }> {
  return readings
    .flatMap(({ location, reading }) =>
      reading?.state === 'valid' ? [{ location, checkpoint: reading.checkpoint }] : [],
    )
    .sort((a, b) => b.checkpoint.id - a.checkpoint.id);
}

/** What else verify knows: what this process wrote where, which key epoch the walk reached, and acknowledged restores. */
export interface VerificationContext {
  /** The sequence this process last wrote to a location, if any. */
  readonly lastWrittenTo?: (location: LocationReading['location']) => number | undefined;
  readonly keyEpoch?: { readonly reached: number; readonly newest: number };
  /** The gaps the chain acknowledges as lost to a database restore. */
  readonly acknowledged?: readonly AcknowledgedRestore[];
  /** Pruned ranges the walk found, and which of them were checked against their archive. */
  readonly archived?: ReadonlyArray<{ readonly range: PrunedRange; readonly checked: boolean }>;
  /** What checking the archive files given found. */
  readonly archiveFindings?: ReadonlyArray<{
    kind: 'archive-invalid' | 'archive-missing' | 'archive-unmatched';
    message: string;
    fromId?: number;
    toId?: number;
  }>;
}

/** What verify answers, from a finished walk and the checkpoints read before it started. */
export function verificationReport(
  verifier: ChainVerifier,
  readings: readonly LocationReading[],
  {
    lastWrittenTo = () => undefined,
    keyEpoch,
    acknowledged = [],
    archived = [],
    archiveFindings = [],
  }: VerificationContext = {},
): AuditChainVerification {
  const anchors = validCheckpoints(readings);
  const lostToRestore = (checkpoint: AuditCheckpoint) =>
    acknowledged.some((gap) => gap.checkpoint.id === checkpoint.id && gap.checkpoint.hash === checkpoint.hash);
  const findings = [
    ...verifier.findings.map(chainFinding),
    ...anchors
      // A checkpoint of archived events not given to this walk is not compared.
      .filter(({ checkpoint }) => !lostToRestore(checkpoint) && !verifier.wasSkipped(checkpoint.id))
      .flatMap(({ location, checkpoint }) =>
        truncationFindings(checkpoint, verifier.head, verifier.anchor(checkpoint.id)).map((found) =>
          finding('truncated', found.message, { fromId: found.fromId, toId: found.toId, location }),
        ),
      ),
    ...archiveFindings.map(({ kind, message, fromId, toId }) => finding(kind, message, { fromId, toId })),
    ...readings.flatMap(checkpointFindings),
    ...anchorFindings(anchors, lastWrittenTo),
    ...(keyEpoch && keyEpoch.reached < keyEpoch.newest
      ? [
          finding(
            'key-epoch-missing',
            `The chain never reaches audit key epoch ${keyEpoch.newest} (its marker is gone): events after it were removed or re-linked under an earlier key`,
            {},
          ),
        ]
      : []),
  ];
  const newest = anchors[0];
  return Object.assign(new AuditChainVerification(), {
    ok: findings.length === 0,
    checked: verifier.checked,
    anchors: anchors.length,
    firstBrokenId: verifier.firstBrokenId === null ? null : String(verifier.firstBrokenId),
    checkpoint: newest === undefined ? null : checkpointReference(newest.checkpoint, newest.location),
    findings,
    acknowledgedGaps: acknowledged.map((gap) =>
      Object.assign(new AcknowledgedAuditGap(), {
        fromId: String(gap.fromId),
        toId: String(gap.toId),
        lostEvents: gap.lostEvents,
        checkpoint: checkpointReference(gap.checkpoint, gap.location as LocationReading['location']),
        eventId: String(gap.eventId),
        acknowledgedBy: gap.acknowledgedBy,
        acknowledgedAt: gap.acknowledgedAt,
        reason: gap.reason,
      }),
    ),
    archived: archived.map(({ range, checked }) =>
      Object.assign(new ArchivedAuditRange(), {
        fromId: String(range.fromId),
        toId: String(range.toId),
        count: range.count,
        archiveSha256: range.archiveSha256,
        eventId: String(range.eventId),
        prunedBy: range.prunedBy,
        prunedAt: range.prunedAt,
        checked,
      }),
    ),
    unchecked: verifier.skipped.map(({ fromId, toId }) =>
      Object.assign(new AuditEventRange(), { fromId: String(fromId), toId: String(toId) }),
    ),
  });
}

function checkpointReference(
  checkpoint: CheckpointHead,
  location: LocationReading['location'],
): AuditCheckpointReference {
  return Object.assign(new AuditCheckpointReference(), {
    id: String(checkpoint.id),
    count: checkpoint.count,
    writtenAt: checkpoint.writtenAt,
    location,
  });
}

function chainFinding({ kind, fromId, toId }: ChainFinding): AuditChainFinding {
  const events = fromId === toId ? `Event ${fromId}` : `Events ${fromId}–${toId}`;
  const message = {
    gap: `${events} ${fromId === toId ? 'is' : 'are'} missing`,
    'broken-link': `${events} does not link to the event before it`,
    'hash-mismatch': `${events} ${fromId === toId ? 'does' : 'do'} not match ${fromId === toId ? 'its' : 'their'} hash under the key (modified, or re-hashed without it)`,
  }[kind];
  return finding(kind, message, { fromId, toId });
}

/**
 * Locations cross-checked: one holding an older checkpoint than another location (by sequence,
 * then id) is behind it, and one older than this process last wrote there was put back.
 */
function anchorFindings(
  anchors: ReturnType<typeof validCheckpoints>,
  lastWrittenTo: (location: LocationReading['location']) => number | undefined,
): AuditChainFinding[] {
  const newest = anchors.reduce<(typeof anchors)[number] | undefined>(
    (best, anchor) => (best === undefined || newer(anchor.checkpoint, best.checkpoint) ? anchor : best),
    undefined,
  );
  return anchors.flatMap(({ location, checkpoint }) => {
    const where = location === 'configmap' ? 'checkpoint ConfigMap' : 'checkpoint file';
    const found: AuditChainFinding[] = [];
    const written = lastWrittenTo(location);
    if (written !== undefined && checkpoint.sequence < written) {
      found.push(
        finding(
          'checkpoint-rolled-back',
          `The ${where} holds checkpoint ${checkpoint.sequence}, older than checkpoint ${written} this broker wrote there`,
          { location },
        ),
      );
    }
    if (newest !== undefined && newer(newest.checkpoint, checkpoint)) {
      const other = newest.location === 'configmap' ? 'checkpoint ConfigMap' : 'checkpoint file';
      found.push(
        finding(
          'checkpoint-behind',
          `The ${where} (event ${checkpoint.id}, checkpoint ${checkpoint.sequence}) is behind the ${other} (event ${newest.checkpoint.id}, checkpoint ${newest.checkpoint.sequence})`,
          { location },
        ),
      );
    }
    return found;
  });
}

function newer(a: AuditCheckpoint, b: AuditCheckpoint): boolean {
  return a.sequence !== b.sequence ? a.sequence > b.sequence : a.id > b.id;
}

function checkpointFindings({ location, reading, error }: LocationReading): AuditChainFinding[] {
  const where = location === 'configmap' ? 'checkpoint ConfigMap' : 'checkpoint file';
  if (reading === undefined)
    return [finding('checkpoint-unreadable', `Could not read the ${where}: ${error ?? 'unknown error'}`, { location })];
  if (reading.state === 'missing') return [finding('checkpoint-missing', `There is no ${where}`, { location })];
  if (reading.state === 'invalid')
    return [finding('checkpoint-invalid', `The ${where} ${reading.reason}`, { location })];
  return [];
}

function finding(
  kind: AuditChainFinding['kind'],
  message: string,
  at: { fromId?: number; toId?: number; location?: LocationReading['location'] },
): AuditChainFinding {
  return Object.assign(new AuditChainFinding(), {
    kind,
    fromId: at.fromId === undefined ? null : String(at.fromId),
    toId: at.toId === undefined ? null : String(at.toId),
    location: at.location ?? null,
    message,
  });
}
