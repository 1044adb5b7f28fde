import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { DomainError } from '../errors/domain-error.js';
import { CursorCodec } from './cursor-codec.js';

describe('CursorCodec', () => {
  const codec = new CursorCodec(randomBytes(32));
  const listing = 'secrets|team-a||user:alice';

  it('round-trips a position without showing it', () => {
    const cursor = codec.seal('eyJrZXkiOiIvc2VjcmV0cy90ZWFtLWEvYWRtaW4ifQ', listing);
    expect(cursor).not.toContain('eyJrZXkiOi');
    expect(codec.open(cursor, listing)).toBe('eyJrZXkiOiIvc2VjcmV0cy90ZWFtLWEvYWRtaW4ifQ');
  });

  it.each([
    ['another listing', (cursor: string) => [cursor, 'secrets|team-a||user:mallory']],
    ['another key', (cursor: string) => [new CursorCodec(randomBytes(32)).seal('x', listing), listing, cursor]],
    ['a flipped bit', (cursor: string) => [flip(cursor), listing]],
    ['a cluster token', () => ['eyJ2IjoibWV0YS5rOHMuaW8vdjEiLCJydiI6MTAsInN0YXJ0IjoiYWRtaW5cdTAwMDAifQ', listing]],
    ['junk', () => ['!!', listing]],
  ])('refuses %s', (_label, attack) => {
    const [cursor, bound] = attack(codec.seal('position', listing));
    expect(() => codec.open(cursor, bound)).toThrow(DomainError);
    expect(() => codec.open(cursor, bound)).toThrow('not a cursor this API returned');
  });
});

function flip(cursor: string): string {
  const bytes = Buffer.from(cursor, 'base64url');
  bytes[bytes.length - 1] ^= 1;
  return bytes.toString('base64url');
}
