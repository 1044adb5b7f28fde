import { describe, expect, it } from 'vitest';
import { canonicalForm, ChainVerifier, EMPTY_CHAIN, GENESIS_HASH, hashOf, sealAfter, type ChainedEvent } from './audit-chain.js';
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
const chain = (count: number) =>
  sealAfter(EMPTY_CHAIN, Array.from({ length: count }, (_, index) => toUnsealedEvent(input(), new Date(1_700_000_000_000 + index))));

function verify(events: readonly ChainedEvent[]): ChainVerifier {
  const verifier = new ChainVerifier();
  for (const event of events) if (!verifier.accept(event)) break;
  return verifier;
}

describe('audit hash chain', () => {
  it('numbers events from 1 and links the first to 64 zeros', () => {
    const [first, second] = chain(2);
    expect(first).toMatchObject({ id: 1, prevHash: GENESIS_HASH });
    expect(second).toMatchObject({ id: 2, prevHash: first.hash });
    expect(first.hash).toMatch(/^[0-9a-f]{64}$/);
  });

  it('hashes prevHash followed by the canonical form with sorted keys', () => {
    const [event] = chain(1);
    const canonical = canonicalForm(event);
    const keys = Object.keys(JSON.parse(canonical) as object);
    expect(keys).toEqual([...keys].sort());
    expect(keys).not.toContain('hash');
    expect(canonical).toContain('"time":"2023-11-14T22:13:20.000Z"');
    expect(hashOf(event)).toBe(event.hash);
  });

  it('verifies an intact chain', () => {
    expect(verify(chain(5))).toMatchObject({ checked: 5, firstBrokenId: null });
  });

  it.each([
    ['reason', { reason: 'edited' }],
    ['time', { time: new Date(0) }],
    ['details', { details: '{"keys":3}' }],
    ['latency', { latencyMs: 9 }],
  ])('reports the event whose %s was modified', (_field, change) => {
    const events = chain(5);
    events[2] = { ...events[2], ...change };
    expect(verify(events)).toMatchObject({ firstBrokenId: 3, checked: 3 });
  });

  it('reports the event after a deleted one, and a chain whose first event was deleted', () => {
    const events = chain(5);
    expect(verify([...events.slice(0, 2), ...events.slice(3)]).firstBrokenId).toBe(4);
    expect(verify(events.slice(1)).firstBrokenId).toBe(2);
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
    const event = toUnsealedEvent(input({ reason: `token was ${jwt}`, actor: { ...actor, subject: `user:${'x'.repeat(400)}` } }), new Date());
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
