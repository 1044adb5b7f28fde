import { createHash, createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  canonicalForm,
  ChainVerifier,
  EMPTY_CHAIN,
  GENESIS_HASH,
  keyedLinkHasher,
  MAX_CHAIN_FINDINGS,
  plainLinkHasher,
  sealAfter,
  type ChainedEvent,
} from './audit-chain.js';
import { toUnsealedEvent, type AuditEventInput } from './audit-event.js';

const actor = { subject: 'user:alice', request: { requestId: 'req-1', sourceIp: '10.0.0.1', userAgent: 'curl/8' } };
const input = (overrides: Partial<AuditEventInput> = {}): AuditEventInput => ({
  actor,
  action: 'read',
  outcome: 'allowed',
  target: { namespace: 'team-a', name: 'db-main', version: 3 },
  matchedGrants: ['g2', 'g1'],
  reason: 'on-call',
  latencyMs: 1.23456,
  details: { keys: 2, cached: true },
  ...overrides,
});
const KEY = Buffer.alloc(32, 7);
const link = keyedLinkHasher(KEY);
const unsealed = (count: number) =>
  Array.from({ length: count }, (_, index) => toUnsealedEvent(input(), new Date(1_700_000_000_000 + index)));
const chain = (count: number, hasher = link) => sealAfter(EMPTY_CHAIN, unsealed(count), hasher);

function verify(events: readonly ChainedEvent[], anchorIds: number[] = []): ChainVerifier {
  const verifier = new ChainVerifier(link, anchorIds);
  for (const event of events) verifier.accept(event);
  return verifier;
}

/** What someone with write access to the table but not the key can do: relink with plain SHA-256. */
function rehashWithoutKey(events: readonly ChainedEvent[], fromIndex: number): ChainedEvent[] {
  const kept = events.slice(0, fromIndex);
  const previous = kept.at(-1) ?? EMPTY_CHAIN;
  let previousHash = previous.hash;
  return [
    ...kept,
    ...events.slice(fromIndex).map((event) => {
      const linked = { ...event, prevHash: previousHash };
      const hash = plainLinkHasher(linked);
      previousHash = hash;
      return { ...linked, hash };
    }),
  ];
}

describe('audit hash chain', () => {
  it('numbers events from 1 and links the first to 64 zeros', () => {
    const [first, second] = chain(2);
    expect(first).toMatchObject({ id: 1, prevHash: GENESIS_HASH });
    expect(second).toMatchObject({ id: 2, prevHash: first.hash });
    expect(first.hash).toMatch(/^[0-9a-f]{64}$/);
  });

  it('links with HMAC-SHA-256 of prevHash followed by the canonical form with sorted keys', () => {
    const [event] = chain(1);
    const canonical = canonicalForm(event);
    const keys = Object.keys(JSON.parse(canonical) as object);
    expect(keys).toEqual([...keys].sort());
    expect(keys).not.toContain('hash');
    expect(canonical).toContain('"time":"2023-11-14T22:13:20.000Z"');
    expect(event.hash).toBe(createHmac('sha256', KEY).update(event.prevHash).update(canonical).digest('hex'));
    expect(plainLinkHasher(event)).toBe(createHash('sha256').update(event.prevHash).update(canonical).digest('hex'));
    expect(keyedLinkHasher(Buffer.alloc(32, 8))(event)).not.toBe(event.hash);
  });

  it('verifies an intact chain', () => {
    expect(verify(chain(5))).toMatchObject({ checked: 5, firstBrokenId: null, findings: [], head: { id: 5 } });
  });

  it.each([
    ['reason', { reason: 'edited' }],
    ['time', { time: new Date(0) }],
    ['details', { details: '{"keys":3}' }],
    ['latency', { latencyMs: 9 }],
  ])('reports the event whose %s was modified, and walks on', (_field, change) => {
    const events = chain(5);
    events[2] = { ...events[2], ...change };
    expect(verify(events)).toMatchObject({
      firstBrokenId: 3,
      checked: 3,
      findings: [{ kind: 'hash-mismatch', fromId: 3, toId: 3 }],
      head: { id: 5 },
    });
  });

  it('reports a deleted event as a gap and a broken link, and a chain whose first event was deleted', () => {
    const events = chain(5);
    expect(verify([...events.slice(0, 2), ...events.slice(3)])).toMatchObject({
      firstBrokenId: 4,
      findings: [
        { kind: 'gap', fromId: 3, toId: 3 },
        { kind: 'broken-link', fromId: 4, toId: 4 },
      ],
    });
    expect(verify(events.slice(1)).firstBrokenId).toBe(2);
  });

  it('reports a stretch re-hashed without the key as one run of mismatches', () => {
    const events = chain(8);
    const forged = rehashWithoutKey([...events.slice(0, 3), ...events.slice(4)], 3);
    expect(verify(forged).findings).toEqual([
      { kind: 'gap', fromId: 4, toId: 4 },
      { kind: 'hash-mismatch', fromId: 5, toId: 8 },
    ]);
    const renumbered = rehashWithoutKey(
      [...events.slice(0, 3), ...events.slice(4).map((event) => ({ ...event, id: event.id - 1 }))],
      3,
    );
    expect(verify(renumbered).findings).toEqual([{ kind: 'hash-mismatch', fromId: 4, toId: 7 }]);
  });

  it('accepts a legacy chain only under plain SHA-256', () => {
    const legacy = chain(4, plainLinkHasher);
    expect(verify(legacy).findings).toEqual([{ kind: 'hash-mismatch', fromId: 1, toId: 4 }]);
    const asLegacy = new ChainVerifier(plainLinkHasher);
    legacy.forEach((event) => asLegacy.accept(event));
    expect(asLegacy.intact).toBe(true);
  });

  it('observes the hash at, and the count up to, the ids it was asked to anchor', () => {
    const events = chain(6);
    const verifier = verify([...events.slice(0, 1), ...events.slice(2)], [0, 4, 9]);
    expect(verifier.anchor(0)).toEqual({ hash: GENESIS_HASH, count: 0 });
    expect(verifier.anchor(4)).toEqual({ hash: events[3].hash, count: 3 });
    expect(verifier.anchor(9)).toEqual({ hash: undefined, count: 5 });
  });

  it('bounds the findings of a badly damaged chain', () => {
    const events = chain(2 * MAX_CHAIN_FINDINGS + 10).filter((event) => event.id % 2 === 1);
    expect(verify(events).findings).toHaveLength(MAX_CHAIN_FINDINGS);
  });
});

describe('the canonical form carries no values', () => {
  const VALUE_FIELDS = ['data', 'value', 'values', 'token', 'password'];

  function fieldNames(json: string): string[] {
    const fields = JSON.parse(json) as Record<string, unknown>;
    const nested = typeof fields.details === 'string' ? Object.keys(JSON.parse(fields.details) as object) : [];
    return [...Object.keys(fields), ...nested];
  }

  it('names none of data, value, values, token, password at any level', () => {
    const [event] = chain(1);
    const names = fieldNames(canonicalForm(event)).map((name) => name.toLowerCase());
    expect(names.filter((name) => VALUE_FIELDS.includes(name))).toEqual([]);
  });

  it.each(VALUE_FIELDS.flatMap((name) => [name, name.toUpperCase()]))('refuses a details key %s', (key) => {
    expect(() => toUnsealedEvent(input({ details: { [key]: 'x' } }), new Date())).toThrow(/Audit event refused/);
  });

  it('refuses details that are not short scalars', () => {
    const refuse = (details: Record<string, unknown>) => () =>
      toUnsealedEvent(input({ details: details as AuditEventInput['details'] }), new Date());
    expect(refuse({ keys: ['a'] })).toThrow(/short scalar/);
    expect(refuse({ blob: 'x'.repeat(257) })).toThrow(/short scalar/);
    expect(refuse({ nested: { a: 1 } })).toThrow(/short scalar/);
    expect(refuse({ 'bad key': 1 })).toThrow(/not allowed/);
    expect(refuse({ ratio: Number.NaN })).toThrow(/finite/);
  });

  it('redacts a JWT pasted into a reason and clips overlong text', () => {
    const jwt = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhIn0.c2lnbmF0dXJl';
    const event = toUnsealedEvent(
      input({ reason: `token was ${jwt}`, actor: { ...actor, subject: `user:${'x'.repeat(400)}` } }),
      new Date(),
    );
    expect(event.reason).toBe('token was [redacted token]');
    expect(event.subject).toHaveLength(320);
  });

  it('sorts matched grants and details so equal inputs hash equally', () => {
    const event = toUnsealedEvent(input(), new Date(0));
    expect(event.matchedGrants).toBe('["g1","g2"]');
    expect(event.details).toBe('{"cached":true,"keys":2}');
    expect(event.latencyMs).toBe(1.235);
  });

  it('accepts only an event id as intentId', () => {
    expect(toUnsealedEvent(input({ intentId: '42' }), new Date()).intentId).toBe(42);
    expect(() => toUnsealedEvent(input({ intentId: 'abc' }), new Date())).toThrow(/intentId/);
  });
});
