import { createPrivateKey } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { DomainError } from '../common/errors/domain-error.js';
import { generateValue, validateGenerator } from './generators.js';

describe('generators', () => {
  it('makes passwords of the requested length from the alphabet', () => {
    const value = generateValue('p', validateGenerator('p', { type: 'password', length: 40, alphabet: 'ab' })).toString();
    expect(value).toMatch(/^[ab]{40}$/);
    expect(generateValue('p', validateGenerator('p', { type: 'password' })).toString()).toHaveLength(32);
  });

  it('makes random bytes in hex or base64, UUIDs, RSA and EC keys', () => {
    expect(generateValue('b', validateGenerator('b', { type: 'bytes', length: 16, encoding: 'hex' })).toString()).toMatch(/^[0-9a-f]{32}$/);
    expect(Buffer.from(generateValue('b', validateGenerator('b', { type: 'bytes', length: 16 })).toString(), 'base64')).toHaveLength(16);
    expect(generateValue('u', { type: 'uuid' }).toString()).toMatch(/^[0-9a-f-]{36}$/);
    expect(createPrivateKey(generateValue('r', validateGenerator('r', { type: 'rsa' }))).asymmetricKeyType).toBe('rsa');
    const ec = createPrivateKey(generateValue('e', validateGenerator('e', { type: 'ec', curve: 'P-384' })));
    expect(ec.asymmetricKeyDetails?.namedCurve).toBe('secp384r1');
  });

  it('never repeats a value', () => {
    const spec = validateGenerator('p', { type: 'password' });
    expect(generateValue('p', spec).equals(generateValue('p', spec))).toBe(false);
  });

  it.each([
    [{ type: 'magic' }, 'unknown generator'],
    [{}, 'needs a type'],
    [{ type: 'password', length: 4 }, 'length'],
    [{ type: 'password', alphabet: 'aaaa' }, 'alphabet'],
    [{ type: 'bytes', encoding: 'base32' }, 'encoding'],
    [{ type: 'rsa', bits: 1024 }, 'bits'],
    [{ type: 'ec', curve: 'secp256k1' }, 'curve'],
  ])('refuses %j as unprocessable', (spec, message) => {
    expect(() => validateGenerator('k', spec)).toThrow(DomainError);
    expect(() => validateGenerator('k', spec)).toThrow(message);
  });

  it('refuses to generate a supplied key', () => {
    expect(() => generateValue('k', { type: 'supplied' })).toThrow(/supplied/);
  });
});
