import { describe, expect, it } from 'vitest';
import {
  advanceDecision,
  decodeCheckpoint,
  encodeCheckpoint,
  NO_PREVIOUS_CHECKPOINT,
  truncationFindings,
  type AuditCheckpoint,
  type CheckpointReading,
} from './audit-checkpoint.js';

const KEY = Buffer.alloc(32, 3);
const hash = (digit: string) => digit.repeat(64);
const checkpoint: AuditCheckpoint = {
  id: 10,
  hash: hash('a'),
  count: 10,
  writtenAt: new Date('2025-01-02T03:04:05.678Z'),
  sequence: 3,
  previous: '9'.repeat(64),
};

describe('a signed checkpoint', () => {
  it('round-trips, holding only the head, the count, the time, its place in the chain and the signature', () => {
    const text = encodeCheckpoint(checkpoint, KEY);
    expect(Object.keys(JSON.parse(text) as object).sort()).toEqual([
      'count',
      'hash',
      'id',
      'previous',
      'sequence',
      'signature',
      'writtenAt',
    ]);
    expect(decodeCheckpoint(text, KEY)).toEqual({ state: 'valid', checkpoint });
  });

  it('reads a checkpoint from before chaining as sequence 0, and cannot pass a chained one off as one', () => {
    const unchained = { ...checkpoint, sequence: 0, previous: NO_PREVIOUS_CHECKPOINT };
    const text = encodeCheckpoint(unchained, KEY);
    expect(Object.keys(JSON.parse(text) as object)).not.toContain('sequence');
    expect(decodeCheckpoint(text, KEY)).toEqual({ state: 'valid', checkpoint: unchained });
    const stripped = JSON.parse(encodeCheckpoint(checkpoint, KEY)) as Record<string, unknown>;
    delete stripped.sequence;
    delete stripped.previous;
    expect(decodeCheckpoint(JSON.stringify(stripped), KEY).state).toBe('invalid');
  });

  it.each([
    ['a lowered id', (fields: Record<string, unknown>) => ({ ...fields, id: 5 })],
    ['another hash', (fields: Record<string, unknown>) => ({ ...fields, hash: hash('b') })],
    ['a lowered count', (fields: Record<string, unknown>) => ({ ...fields, count: 1 })],
    ['another time', (fields: Record<string, unknown>) => ({ ...fields, writtenAt: '2030-01-01T00:00:00.000Z' })],
    ['a raised sequence', (fields: Record<string, unknown>) => ({ ...fields, sequence: 99 })],
    ['another predecessor', (fields: Record<string, unknown>) => ({ ...fields, previous: '8'.repeat(64) })],
  ])('is invalid with %s under the old signature', (_change, change) => {
    const edited = JSON.stringify(change(JSON.parse(encodeCheckpoint(checkpoint, KEY)) as Record<string, unknown>));
    expect(decodeCheckpoint(edited, KEY)).toEqual({
      state: 'invalid',
      reason: 'holds a checkpoint whose signature does not verify',
    });
  });

  it('is invalid under another key, and when it is not a checkpoint at all', () => {
    expect(decodeCheckpoint(encodeCheckpoint(checkpoint, KEY), Buffer.alloc(32, 4)).state).toBe('invalid');
    for (const text of [
      '',
      '{',
      '{"id":1}',
      JSON.stringify({ ...JSON.parse(encodeCheckpoint(checkpoint, KEY)), extra: 1 }),
    ]) {
      expect(decodeCheckpoint(text, KEY)).toEqual({
        state: 'invalid',
        reason: 'holds text that is not a checkpoint this broker writes',
      });
    }
  });
});

describe('a checkpoint of an earlier key epoch', () => {
  const retired = Buffer.alloc(32, 5);

  it('is invalid under the newest key, kept as superseded, and replaced once only while the chain extends it', () => {
    const reading = decodeCheckpoint(encodeCheckpoint(checkpoint, retired), KEY, [retired]);
    expect(reading).toEqual({
      state: 'invalid',
      reason: 'holds a checkpoint signed under the key of an earlier key epoch',
      superseded: checkpoint,
    });
    const next: AuditCheckpoint = { ...checkpoint, id: 20, hash: hash('e'), count: 20, sequence: 4 };
    expect(advanceDecision(reading, next, { seenBefore: true, hashAtCurrent: checkpoint.hash })).toEqual({
      write: true,
    });
    expect(advanceDecision(reading, next, { seenBefore: true, hashAtCurrent: hash('f') })).toEqual({
      write: false,
      refusal: 'it holds a checkpoint signed under the key of an earlier key epoch',
    });
  });
});

describe('truncation behind a checkpoint', () => {
  it('finds nothing when the chain still holds what the checkpoint recorded', () => {
    expect(truncationFindings(checkpoint, { id: 12, hash: hash('c') }, { hash: hash('a'), count: 10 })).toEqual([]);
  });

  it('reports a chain that ends before the checkpoint', () => {
    expect(truncationFindings(checkpoint, { id: 7, hash: hash('c') }, { hash: undefined, count: 7 })).toEqual([
      { fromId: 8, toId: 10, message: 'The chain ends at event 7, but a checkpoint recorded it up to event 10' },
    ]);
  });

  it('reports the event at the checkpoint missing or replaced, and fewer events than counted', () => {
    expect(
      truncationFindings(checkpoint, { id: 12, hash: hash('c') }, { hash: undefined, count: 9 }).map(
        (found) => found.message,
      ),
    ).toEqual([
      'Event 10, the head of a checkpoint, is missing',
      '9 events up to event 10, but the checkpoint counted 10',
    ]);
    expect(
      truncationFindings(checkpoint, { id: 12, hash: hash('c') }, { hash: hash('d'), count: 10 }).map(
        (found) => found.message,
      ),
    ).toEqual(['Event 10 has another hash than the checkpoint recorded for it']);
  });
});

describe('advancing a checkpoint', () => {
  const next: AuditCheckpoint = { ...checkpoint, id: 20, hash: hash('e'), count: 20 };
  const valid: CheckpointReading = { state: 'valid', checkpoint };
  const decide = (current: CheckpointReading, seenBefore = false, hashAtCurrent: string | null = hash('a')) =>
    advanceDecision(current, next, { seenBefore, hashAtCurrent: hashAtCurrent ?? undefined });

  it('creates the first one and moves forward over a checkpoint the chain extends', () => {
    expect(decide({ state: 'missing' })).toEqual({ write: true });
    expect(decide(valid)).toEqual({ write: true });
    expect(
      decide({ state: 'valid', checkpoint: { ...checkpoint, id: 0, hash: hash('0'), count: 0 } }, true, null),
    ).toEqual({ write: true });
  });

  it('never moves back: a checkpoint as new or newer (another replica) is left as it is', () => {
    expect(decide({ state: 'valid', checkpoint: { ...next, id: 25 } }, true, next.hash)).toEqual({ write: false });
    expect(decide({ state: 'valid', checkpoint: next }, true, next.hash)).toEqual({ write: false });
  });

  it('refuses to overwrite a checkpoint older than the one this process wrote there (put back)', () => {
    expect(advanceDecision(valid, next, { seenBefore: true, hashAtCurrent: hash('a'), lastWritten: 5 })).toEqual({
      write: false,
      refusal: 'it holds checkpoint 3, older than checkpoint 5 this broker wrote there (put back)',
    });
    expect(advanceDecision(valid, next, { seenBefore: true, hashAtCurrent: hash('a'), lastWritten: 3 })).toEqual({
      write: true,
    });
  });

  it('refuses to overwrite evidence: a forged or vanished checkpoint, or one the chain no longer extends', () => {
    expect(decide({ state: 'invalid', reason: 'holds a checkpoint whose signature does not verify' })).toEqual({
      write: false,
      refusal: 'it holds a checkpoint whose signature does not verify',
    });
    expect(decide({ state: 'missing' }, true)).toEqual({ write: false, refusal: 'the checkpoint it held disappeared' });
    expect(decide(valid, true, null)).toEqual({
      write: false,
      refusal: 'the chain no longer extends its checkpoint at event 10',
    });
    expect(decide(valid, true, hash('f'))).toMatchObject({
      write: false,
      refusal: expect.stringContaining('no longer extends'),
    });
  });

  it('replaces a checkpoint the chain acknowledges as lost to a database restore, even one further ahead', () => {
    const ahead: CheckpointReading = { state: 'valid', checkpoint: { ...checkpoint, id: 30, count: 30 } };
    expect(advanceDecision(ahead, next, { seenBefore: true, hashAtCurrent: undefined, lostToRestore: true })).toEqual({
      write: true,
    });
    expect(advanceDecision(ahead, next, { seenBefore: true, hashAtCurrent: undefined })).toMatchObject({
      write: false,
    });
  });
});
