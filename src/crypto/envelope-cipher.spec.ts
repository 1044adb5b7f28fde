import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { KeyRing } from './key-ring.js';
import { EnvelopeCipher } from './envelope-cipher.js';

const ring = (keys: Record<string, Buffer>, active: string) =>
  new KeyRing({ active, keys: new Map(Object.entries(keys)) });
const cipherUnder = (kek: Buffer) => new EnvelopeCipher(ring({ only: kek }, 'only'), randomBytes(32));

const values = { password: Buffer.from('canary-password-123'), cert: randomBytes(64) };

describe('EnvelopeCipher', () => {
  const cipher = cipherUnder(randomBytes(32));

  it('round-trips values and never stores them in the clear', () => {
    const sealed = cipher.seal(values, 'ns/name#1');
    expect(JSON.stringify(sealed)).not.toContain('canary-password-123');
    expect(JSON.stringify(sealed)).not.toContain(Buffer.from('canary-password-123').toString('base64'));
    const opened = cipher.open(sealed, 'ns/name#1');
    expect(opened.password.toString()).toBe('canary-password-123');
    expect(opened.cert.equals(values.cert)).toBe(true);
  });

  it('uses a fresh data key per seal', () => {
    expect(cipher.seal(values, 'a').wrappedDataKey).not.toBe(cipher.seal(values, 'a').wrappedDataKey);
  });

  it('refuses a ciphertext moved to another secret or version, or tampered with', () => {
    const sealed = cipher.seal(values, 'ns/name#1');
    expect(() => cipher.open(sealed, 'ns/name#2')).toThrow();
    const bytes = Buffer.from(sealed.ciphertext, 'base64');
    bytes[bytes.length - 1] ^= 1;
    expect(() => cipher.open({ ...sealed, ciphertext: bytes.toString('base64') }, 'ns/name#1')).toThrow();
  });

  it('refuses values sealed under another key-encryption key', () => {
    const other = cipherUnder(randomBytes(32));
    expect(() => other.open(cipher.seal(values, 'x'), 'x')).toThrow(/which is not configured/);
  });

  it('opens values under any configured key, seals under the active one, and re-wraps without the values changing', () => {
    const [a, b] = [randomBytes(32), randomBytes(32)];
    const fingerprintKey = randomBytes(32);
    const underA = new EnvelopeCipher(ring({ a }, 'a'), fingerprintKey).seal(values, 'ns/x#1');
    const both = new EnvelopeCipher(ring({ a, b }, 'b'), fingerprintKey);
    expect(both.seal(values, 'ns/x#2').kekId).not.toBe(underA.kekId);
    expect(both.isActive(underA.kekId)).toBe(false);
    expect(both.open(underA, 'ns/x#1').password.toString()).toBe('canary-password-123');
    const rewrapped = { ...underA, ...both.rewrap(underA, 'ns/x#1') };
    expect(both.isActive(rewrapped.kekId)).toBe(true);
    expect(() => both.rewrap(underA, 'ns/x#2')).toThrow();
    const onlyB = new EnvelopeCipher(ring({ b }, 'b'), fingerprintKey);
    expect(onlyB.open(rewrapped, 'ns/x#1').password.toString()).toBe('canary-password-123');
    expect(() => onlyB.open(underA, 'ns/x#1')).toThrow(/not configured/);
  });

  it('fingerprints per key, deterministically, keyed by the broker key and the secret', () => {
    const secret = { namespace: 'team-a', name: 'db-main' };
    const first = cipher.fingerprint(values, secret);
    expect(Object.keys(first)).toEqual(['cert', 'password']);
    expect(cipher.fingerprint(values, secret)).toEqual(first);
    expect(cipherUnder(randomBytes(32)).fingerprint(values, secret)).not.toEqual(first);
    expect(first.password).toMatch(/^[0-9a-f]{64}$/);
  });

  it('gives the same value different fingerprints in different secrets', () => {
    const same = { password: Buffer.from('shared-value') };
    const inA = cipher.fingerprint(same, { namespace: 'team-a', name: 'db-main' });
    expect(cipher.fingerprint(same, { namespace: 'team-b', name: 'db-main' }).password).not.toBe(inA.password);
    expect(cipher.fingerprint(same, { namespace: 'team-a', name: 'db-copy' }).password).not.toBe(inA.password);
  });
});
