import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  ArchiveFormatError,
  ArchiveSegmentCheck,
  AUDIT_PRUNED,
  eventLineOf,
  headerLineOf,
  prunedRangeOf,
  readArchive,
  trailerLineOf,
  type ArchiveEntry,
  type ArchiveHeader,
} from './audit-archive.js';
import { ChainVerifier, EMPTY_CHAIN, GENESIS_HASH, keyedLinkHasher, sealAfter } from './audit-chain.js';
import { toUnsealedEvent } from './audit-event.js';

const link = keyedLinkHasher(Buffer.alloc(32, 9));
const actor = { subject: 'user:ops', request: { requestId: 'r', sourceIp: undefined, userAgent: undefined } };
const events = sealAfter(
  EMPTY_CHAIN,
  Array.from({ length: 5 }, (_, index) =>
    toUnsealedEvent(
      { actor, action: 'read', outcome: 'allowed', latencyMs: 1.5, details: { keys: index } },
      new Date(1_700_000_000_123 + index),
    ),
  ),
  link,
);
const header: ArchiveHeader = {
  format: 1,
  firstId: 1,
  lastId: 5,
  count: 5,
  headHash: GENESIS_HASH,
  tailHash: events[4].hash,
  countBefore: 0,
  keyEpoch: 0,
  checkpoint: '{}',
  checkpointLocation: 'configmap',
  writtenAt: '2026-12-01T00:00:00.000Z',
};
const trailer = { lastId: 5, count: 5, tailHash: events[4].hash };
const directory = mkdtempSync(join(tmpdir(), 'archive-spec-'));
afterAll(() => rmSync(directory, { recursive: true, force: true }));

function file(name: string, lines: string[]): string {
  const path = join(directory, name);
  writeFileSync(path, lines.join(''));
  return path;
}

async function entries(path: string): Promise<ArchiveEntry[]> {
  const read: ArchiveEntry[] = [];
  for await (const entry of readArchive(path)) read.push(entry);
  return read;
}

describe('audit archive files', () => {
  it('reads back every event exactly as written, so the chain recomputes', async () => {
    const path = file('whole.ndjson', [headerLineOf(header), ...events.map(eventLineOf), trailerLineOf(trailer)]);
    const read = await entries(path);
    expect(read.map((entry) => entry.kind)).toEqual(['header', 'event', 'event', 'event', 'event', 'event', 'trailer']);
    const verifier = new ChainVerifier(link);
    const segment = new ArchiveSegmentCheck(header);
    for (const entry of read) {
      if (entry.kind !== 'event') continue;
      expect(segment.accept(entry.event)).toBeUndefined();
      verifier.accept(entry.event);
    }
    segment.end(trailer);
    expect(verifier.intact).toBe(true);
    expect(verifier.head).toEqual({ id: 5, hash: events[4].hash });
    expect(segment.finish()).toEqual([]);
  });

  it('names a missing event, a file cut short, and lines that are not archive lines', async () => {
    const segment = new ArchiveSegmentCheck(header);
    expect(segment.accept(events[0])).toBeUndefined();
    expect(segment.accept(events[2])).toBe('event 2 is missing');
    expect(segment.finish()).toEqual([
      'it holds 2 events, its header says 5',
      "it ends at event 3, not at the header's tail event 5",
      'its last line is missing (the file was cut short)',
    ]);
    const empty = new ArchiveSegmentCheck({ ...header, lastId: 0, count: 0, tailHash: GENESIS_HASH });
    empty.end({ lastId: 0, count: 0, tailHash: GENESIS_HASH });
    expect(empty.finish()).toEqual(['holds no events']);
    const junk = file('junk.ndjson', [headerLineOf(header), '{"type":"event","id":1}\n']);
    await expect(entries(junk)).rejects.toThrow(new ArchiveFormatError('line 2 is not an archive line'));
    const headless = file('headless.ndjson', [eventLineOf(events[0])]);
    await expect(entries(headless)).rejects.toThrow('line 1 is not an audit archive header');
    const after = file('after.ndjson', [headerLineOf(header), trailerLineOf(trailer), eventLineOf(events[0])]);
    await expect(entries(after)).rejects.toThrow("line 3 follows the archive's last line");
  });

  it('takes a prune only from an event after the range it names, with every field well formed', () => {
    const details = {
      fromId: 1,
      toId: 5,
      count: 5,
      headHash: GENESIS_HASH,
      tailHash: events[4].hash,
      countUpTo: 5,
      keyEpoch: 0,
      archiveSha256: 'a'.repeat(64),
    };
    const event = {
      id: 9,
      action: AUDIT_PRUNED,
      subject: 'user:ops',
      time: new Date(0),
      details: JSON.stringify(details),
    };
    expect(prunedRangeOf(event)).toMatchObject({ eventId: 9, fromId: 1, toId: 5, prunedBy: 'user:ops' });
    // A prune recorded inside the range it claims removed could hide itself from the walk.
    expect(prunedRangeOf({ ...event, id: 5 })).toBeUndefined();
    expect(prunedRangeOf({ ...event, action: 'read' })).toBeUndefined();
    expect(prunedRangeOf({ ...event, details: JSON.stringify({ ...details, tailHash: 'x' }) })).toBeUndefined();
    expect(prunedRangeOf({ ...event, details: JSON.stringify({ ...details, fromId: 6 }) })).toBeUndefined();
  });

  it('a walk that jumps over archived events compares checkpoints only where it knows the hash', () => {
    const verifier = new ChainVerifier(link, [2, 3, 5]);
    verifier.jumpTo({ id: 3, hash: events[2].hash }, 3);
    events.slice(3).forEach((event) => verifier.accept(event));
    expect(verifier.intact).toBe(true);
    expect(verifier.skipped).toEqual([{ fromId: 1, toId: 3 }]);
    expect([1, 2, 3, 4].map((id) => verifier.wasSkipped(id))).toEqual([true, true, false, false]);
    expect(verifier.anchor(3)).toEqual({ hash: events[2].hash, count: 3 });
    expect(verifier.anchor(5)).toEqual({ hash: events[4].hash, count: 5 });
    // An event that does not link to the jumped-to head is a broken link, as anywhere else.
    const other = new ChainVerifier(link);
    other.jumpTo({ id: 3, hash: GENESIS_HASH }, 3);
    other.accept(events[3]);
    expect(other.findings).toEqual([{ kind: 'broken-link', fromId: 4, toId: 4 }]);
  });
});
