import { describe, expect, it } from 'vitest';
import { ChainVerifier, EMPTY_CHAIN, keyedLinkHasher, sealAfter } from '../audit/audit-chain.js';
import { toUnsealedEvent } from '../audit/audit-event.js';
import type { LocationReading } from '../audit/audit-checkpoints.js';
import { verificationReport } from './audit-verification.js';

const link = keyedLinkHasher(Buffer.alloc(32, 1));
const events = sealAfter(
  EMPTY_CHAIN,
  Array.from({ length: 6 }, (_, index) =>
    toUnsealedEvent(
      {
        actor: { subject: 'user:a', request: { requestId: `r${index}`, sourceIp: undefined, userAgent: undefined } },
        action: 'read',
        outcome: 'allowed',
      },
      new Date(index),
    ),
  ),
  link,
);
const checkpointAt = (id: number, writtenAt = new Date('2025-01-01T00:00:00Z')) => ({
  id,
  hash: events[id - 1].hash,
  count: id,
  writtenAt,
  // One checkpoint per event in these examples.
  sequence: id,
  previous: 'f'.repeat(64),
});

function report(
  walked: typeof events,
  readings: LocationReading[],
  lastWrittenTo: (location: LocationReading['location']) => number | undefined = () => undefined,
) {
  const anchors = readings.flatMap(({ reading }) => (reading?.state === 'valid' ? [reading.checkpoint.id] : []));
  const verifier = new ChainVerifier(link, anchors);
  walked.forEach((event) => verifier.accept(event));
  return verificationReport(verifier, readings, { lastWrittenTo });
}

describe('the verify report', () => {
  it('is ok with nothing found, naming the newest valid checkpoint and counting the anchors', () => {
    const result = report(events, [
      { location: 'configmap', reading: { state: 'valid', checkpoint: checkpointAt(5) } },
      { location: 'file', reading: { state: 'valid', checkpoint: checkpointAt(5) } },
    ]);
    expect(result).toEqual({
      ok: true,
      checked: 6,
      anchors: 2,
      firstBrokenId: null,
      checkpoint: { id: '5', count: 5, writtenAt: new Date('2025-01-01T00:00:00Z'), location: 'configmap' },
      findings: [],
      acknowledgedGaps: [],
      archived: [],
      unchecked: [],
    });
  });

  it('after a prune, lists the archived range as unchecked and compares a checkpoint at its tail by the hash the prune recorded', () => {
    const readings: LocationReading[] = [
      { location: 'configmap', reading: { state: 'valid', checkpoint: checkpointAt(3) } },
    ];
    const verifier = new ChainVerifier(link, [3]);
    verifier.jumpTo({ id: 3, hash: events[2].hash }, 3);
    events.slice(3).forEach((event) => verifier.accept(event));
    const result = verificationReport(verifier, readings, { archiveFindings: [] });
    expect(result.ok).toBe(true);
    expect(result.unchecked).toEqual([{ fromId: '1', toId: '3' }]);
    // The same checkpoint against another hash at the tail: truncated, as without a prune.
    const forged = new ChainVerifier(link, [3]);
    forged.jumpTo({ id: 3, hash: events[1].hash }, 3);
    expect(verificationReport(forged, readings).findings.map((found) => found.kind)).toContain('truncated');
  });

  it('lists a gap acknowledged as lost to a restore instead of reporting its checkpoint truncated', () => {
    const lost = checkpointAt(5);
    const readings: LocationReading[] = [{ location: 'configmap', reading: { state: 'valid', checkpoint: lost } }];
    const verifier = new ChainVerifier(link, [5]);
    events.slice(0, 3).forEach((event) => verifier.accept(event));
    const acknowledgedAt = new Date('2025-01-02T00:00:00Z');
    const gap = {
      eventId: 3,
      fromId: 3,
      toId: 5,
      lostEvents: 3,
      checkpoint: lost,
      location: 'configmap',
      acknowledgedBy: 'user:ops',
      acknowledgedAt,
      reason: 'restored',
    };
    expect(verificationReport(verifier, readings).ok).toBe(false);
    const result = verificationReport(verifier, readings, { acknowledged: [gap] });
    expect(result.ok).toBe(true);
    expect(result.acknowledgedGaps).toEqual([
      {
        fromId: '3',
        toId: '5',
        lostEvents: 3,
        checkpoint: { id: '5', count: 5, writtenAt: lost.writtenAt, location: 'configmap' },
        eventId: '3',
        acknowledgedBy: 'user:ops',
        acknowledgedAt,
        reason: 'restored',
      },
    ]);
    // Another checkpoint, not acknowledged, is still compared.
    const other: LocationReading = { location: 'file', reading: { state: 'valid', checkpoint: checkpointAt(4) } };
    expect(
      verificationReport(verifier, [...readings, other], { acknowledged: [gap] }).findings.map((found) => found.kind),
    ).toEqual(['truncated', 'checkpoint-behind']);
  });

  it('refuses a location behind another, and one older than this broker wrote there', () => {
    const behind = report(events, [
      { location: 'configmap', reading: { state: 'valid', checkpoint: checkpointAt(4) } },
      { location: 'file', reading: { state: 'valid', checkpoint: checkpointAt(5) } },
    ]);
    expect(behind).toMatchObject({ ok: false, anchors: 2, checkpoint: { id: '5', location: 'file' } });
    expect(behind.findings.map(({ kind, location, message }) => [kind, location, message])).toEqual([
      [
        'checkpoint-behind',
        'configmap',
        'The checkpoint ConfigMap (event 4, checkpoint 4) is behind the checkpoint file (event 5, checkpoint 5)',
      ],
    ]);
    const putBack = report(
      events,
      [{ location: 'configmap', reading: { state: 'valid', checkpoint: checkpointAt(4) } }],
      () => 6,
    );
    expect(putBack).toMatchObject({ ok: false, anchors: 1 });
    expect(putBack.findings.map(({ kind, message }) => [kind, message])).toEqual([
      [
        'checkpoint-rolled-back',
        'The checkpoint ConfigMap holds checkpoint 4, older than checkpoint 6 this broker wrote there',
      ],
    ]);
  });

  it('compares the chain with every valid checkpoint and reports each location that holds none', () => {
    const result = report(events.slice(0, 3), [
      { location: 'configmap', reading: { state: 'valid', checkpoint: checkpointAt(5) } },
      { location: 'file', reading: undefined, error: 'EACCES: permission denied' },
    ]);
    expect(result.ok).toBe(false);
    expect(
      result.findings.map(({ kind, fromId, toId, location, message }) => [kind, fromId, toId, location, message]),
    ).toEqual([
      ['truncated', '4', '5', 'configmap', 'The chain ends at event 3, but a checkpoint recorded it up to event 5'],
      ['checkpoint-unreadable', null, null, 'file', 'Could not read the checkpoint file: EACCES: permission denied'],
    ]);
  });

  it('reports a missing and a badly signed checkpoint, with no checkpoint to compare against', () => {
    const result = report(events, [
      { location: 'configmap', reading: { state: 'missing' } },
      { location: 'file', reading: { state: 'invalid', reason: 'holds a checkpoint whose signature does not verify' } },
    ]);
    expect(result).toMatchObject({ ok: false, checkpoint: null });
    expect(result.findings.map((finding) => finding.message)).toEqual([
      'There is no checkpoint ConfigMap',
      'The checkpoint file holds a checkpoint whose signature does not verify',
    ]);
  });

  it('words chain findings for one event and for a run', () => {
    const tampered = events.map((event) => (event.id >= 4 ? { ...event, reason: 'edited' } : event));
    const result = report([...tampered.slice(0, 1), ...tampered.slice(2)], []);
    expect(result.findings.map((finding) => finding.message)).toEqual([
      'Event 2 is missing',
      'Event 3 does not link to the event before it',
      'Events 4–6 do not match their hash under the key (modified, or re-hashed without it)',
    ]);
    expect(result).toMatchObject({ firstBrokenId: '3', checked: 2 });
  });
});
