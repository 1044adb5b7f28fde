import { createHash } from 'node:crypto';
import jwt from 'jsonwebtoken';
import type { LRUCache } from 'lru-cache';
import { describe, expect, it } from 'vitest';
import { VerifiedTokens } from './verified-tokens.js';

const SECRET = 'unit-test-secret-0123456789abcdef0123';
const NOW_MS = Date.UTC(2026, 5, 1, 12);
const EXP = NOW_MS / 1000 + 60;
const alice = { subject: 'user:alice', groups: ['team-a'] };

const tokenFor = (sub: string, exp = EXP) => jwt.sign({ sub, groups: ['team-a'], exp }, SECRET);

function cacheAt(clock: { ms: number }, size = 10) {
  return new VerifiedTokens(size, () => clock.ms);
}

/** Everything the LRU holds, keys and values, as text. */
function contentsOf(cache: VerifiedTokens): string {
  const entries = Reflect.get(cache, 'entries') as LRUCache<string, object>;
  return JSON.stringify(entries.dump());
}

describe('VerifiedTokens', () => {
  it('finds a remembered token by its exact bytes only', () => {
    const cache = cacheAt({ ms: NOW_MS });
    const token = tokenFor('alice');
    cache.remember(token, alice, EXP);
    expect(cache.lookup(token)).toEqual(alice);
    const [header, payload, signature] = token.split('.');
    const forged = `${header}.${payload}.${signature.slice(0, -2)}${signature.endsWith('AA') ? 'BB' : 'AA'}`;
    expect(cache.lookup(forged)).toBeUndefined();
    expect(cache.lookup(`${header}.${payload}.`)).toBeUndefined();
    expect(cache.lookup(jwt.sign({ sub: 'alice', groups: ['team-a'], exp: EXP }, `${SECRET}-other`))).toBeUndefined();
  });

  it('never holds a token, or any part of one, in clear', () => {
    const cache = cacheAt({ ms: NOW_MS });
    const tokens = ['alice', 'bob', 'carol'].map((sub) => tokenFor(sub));
    tokens.forEach((token) => cache.remember(token, alice, EXP));
    const contents = contentsOf(cache);
    for (const token of tokens) {
      expect(contents).not.toContain(token);
      for (const part of token.split('.')) expect(contents).not.toContain(part);
      // The key is the digest.
      expect(contents).toContain(createHash('sha256').update(token).digest('base64url'));
    }
  });

  it('forgets a token at its exp', () => {
    const clock = { ms: NOW_MS };
    const cache = cacheAt(clock);
    const token = tokenFor('alice', NOW_MS / 1000 + 2);
    cache.remember(token, alice, NOW_MS / 1000 + 2);
    clock.ms += 1_999;
    expect(cache.lookup(token)).toEqual(alice);
    clock.ms += 1;
    expect(cache.lookup(token)).toBeUndefined();
    expect(cache.size).toBe(0);
  });

  it('does not remember a token already past its exp (accepted within the clock tolerance)', () => {
    const cache = cacheAt({ ms: NOW_MS });
    const token = tokenFor('alice', NOW_MS / 1000 - 5);
    cache.remember(token, alice, NOW_MS / 1000 - 5);
    expect(cache.lookup(token)).toBeUndefined();
    expect(cache.size).toBe(0);
  });

  it('holds at most its size, dropping the least recently used', () => {
    const cache = cacheAt({ ms: NOW_MS }, 2);
    const [first, second, third] = ['a', 'b', 'c'].map((sub) => tokenFor(sub));
    cache.remember(first, alice, EXP);
    cache.remember(second, alice, EXP);
    cache.lookup(first);
    cache.remember(third, alice, EXP);
    expect(cache.size).toBe(2);
    expect(cache.lookup(second)).toBeUndefined();
    expect(cache.lookup(first)).toEqual(alice);
  });

  it('with size 0 remembers nothing', () => {
    const cache = cacheAt({ ms: NOW_MS }, 0);
    const token = tokenFor('alice');
    cache.remember(token, alice, EXP);
    expect(cache.lookup(token)).toBeUndefined();
  });

  it('keeps its own copy of the groups', () => {
    const cache = cacheAt({ ms: NOW_MS });
    const token = tokenFor('alice');
    const groups = ['team-a'];
    cache.remember(token, { subject: 'user:alice', groups }, EXP);
    groups.push('admins');
    expect(cache.lookup(token)?.groups).toEqual(['team-a']);
  });
});
