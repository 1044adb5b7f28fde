import type { ChainFinding, ChainVerifier } from '../audit-chain.js';
import { truncationFindings, type AuditCheckpoint } from '../audit-checkpoint.js';
import type { LocationReading } from '../audit-checkpoints.js';
import type { AcknowledgedRestore } from '../audit-restores.js';
import {
  AcknowledgedAuditGap,
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

/** What verify answers, from a finished walk and the checkpoints read before it started. */
export function verificationReport(
  verifier: ChainVerifier,
  readings: readonly LocationReading[],
  acknowledged: readonly AcknowledgedRestore[] = [],
): AuditChainVerification {
  const anchors = validCheckpoints(readings);
  const lostToRestore = (checkpoint: AuditCheckpoint) =>
    acknowledged.some((gap) => gap.checkpoint.id === checkpoint.id && gap.checkpoint.hash === checkpoint.hash);
  const findings = [
    ...verifier.findings.map(chainFinding),
    ...anchors
      .filter(({ checkpoint }) => !lostToRestore(checkpoint))
      .flatMap(({ location, checkpoint }) =>
        truncationFindings(checkpoint, verifier.head, verifier.anchor(checkpoint.id)).map((found) =>
          finding('truncated', found.message, { fromId: found.fromId, toId: found.toId, location }),
        ),
      ),
    ...readings.flatMap(checkpointFindings),
  ];
  const newest = anchors[0];
  return Object.assign(new AuditChainVerification(), {
    ok: findings.length === 0,
    checked: verifier.checked,
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
  });
}

function checkpointReference(
  checkpoint: AuditCheckpoint,
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
