import { describe, expect, it } from 'vitest';
import { inspectToken, MAX_TOKEN_BYTES, TokenRejected } from './token-inspection.js';

const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
const token = (header: unknown) => `${encode(header)}.${encode({ sub: 'a' })}.c2ln`;

describe('inspectToken', () => {
  it('returns the header of an acceptable token', () => {
    expect(inspectToken(token({ alg: 'HS256', kid: 'k' }), ['HS256'])).toMatchObject({ alg: 'HS256', kid: 'k' });
  });

  it.each([
    ['an unsigned token', token({ alg: 'none' }), 'unsigned'],
    ['an algorithm outside the allow-list', token({ alg: 'HS512' }), 'not accepted'],
    ['a crit header', token({ alg: 'HS256', crit: ['b64'] }), 'critical'],
    ['a non-object header', `${encode([1])}.e30.c2ln`, 'malformed'],
    ['two segments', 'a.b', 'malformed'],
    ['a non-string kid', token({ alg: 'HS256', kid: 7 }), 'malformed'],
    ['an oversized token', token({ alg: 'HS256', pad: 'x'.repeat(MAX_TOKEN_BYTES) }), 'larger'],
  ])('rejects %s', (_label, value, reason) => {
    expect(() => inspectToken(value, ['HS256'])).toThrow(TokenRejected);
    expect(() => inspectToken(value, ['HS256'])).toThrow(reason);
  });
});
