import { createPrivateKey } from 'node:crypto';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { DomainError, ErrorCode } from '../common/errors/domain-error.js';
import {
  entropyBits,
  generateValues,
  MAX_CONCURRENT_KEY_PAIRS,
  MAX_GENERATED_BYTES,
  MAX_GENERATED_KEYS,
  MAX_KEY_PAIRS,
  maxGeneratedBytes,
  validateGenerator,
  validateGeneratorMap,
  type GeneratorSpec,
} from './generators.js';

/** Counts key-pair generations in flight; `failNext` makes the next one fail. */
const keyPairs = vi.hoisted(() => ({ active: 0, peak: 0, calls: 0, failNext: false }));

vi.mock('node:crypto', async (importOriginal) => {
  const actual = await importOriginal<typeof import('node:crypto')>();
  const generateKeyPair = (...args: unknown[]): void => {
    const callback = args.pop() as (error: Error | null, ...keys: unknown[]) => void;
    keyPairs.calls++;
    keyPairs.peak = Math.max(keyPairs.peak, ++keyPairs.active);
    const fail = keyPairs.failNext;
    keyPairs.failNext = false;
    (actual.generateKeyPair as (...a: unknown[]) => void)(...args, (error: Error | null, ...keys: unknown[]) => {
      keyPairs.active--;
      callback(fail ? new Error('key generation failed') : error, ...keys);
    });
  };
  return { ...actual, generateKeyPair, generateKeyPairSync: vi.fn(actual.generateKeyPairSync) };
});

const limits = { minEntropyBits: 64 };
const valid = (spec: unknown, key = 'k') => validateGenerator(key, spec, limits);
const generateOne = async (spec: unknown): Promise<string> => (await generateValues({ k: valid(spec) })).k.toString();

function refusal(work: () => unknown): DomainError {
  try {
    work();
  } catch (error) {
    expect(error).toBeInstanceOf(DomainError);
    expect((error as DomainError).code).toBe(ErrorCode.Unprocessable);
    return error as DomainError;
  }
  throw new Error('expected a refusal');
}

beforeEach(() => Object.assign(keyPairs, { active: 0, peak: 0, calls: 0, failNext: false }));

describe('generated values', () => {
  it('makes passwords of the requested length from the alphabet', async () => {
    expect(await generateOne({ type: 'password', length: 40, alphabet: 'abcdefgh' })).toMatch(/^[a-h]{40}$/);
    expect(await generateOne({ type: 'password' })).toHaveLength(32);
  });

  it('draws password characters uniformly, whatever the alphabet repeats', async () => {
    const value = await generateOne({ type: 'password', length: 4096, alphabet: 'aaaaaaabbc' });
    const counts = [...'abc'].map((character) => value.split(character).length - 1);
    // 4096 / 3 ≈ 1365 each; a deviation of 250 is more than 8 standard deviations.
    for (const count of counts) expect(Math.abs(count - 4096 / 3)).toBeLessThan(250);
  });

  it('makes random bytes in hex or base64, UUIDs, RSA and EC keys', async () => {
    expect(await generateOne({ type: 'bytes', length: 16, encoding: 'hex' })).toMatch(/^[0-9a-f]{32}$/);
    expect(Buffer.from(await generateOne({ type: 'bytes', length: 16 }), 'base64')).toHaveLength(16);
    expect(await generateOne({ type: 'uuid' })).toMatch(/^[0-9a-f-]{36}$/);
    expect(createPrivateKey(await generateOne({ type: 'rsa' })).asymmetricKeyType).toBe('rsa');
    expect(createPrivateKey(await generateOne({ type: 'ec', curve: 'P-384' })).asymmetricKeyDetails?.namedCurve).toBe(
      'secp384r1',
    );
  });

  it('never repeats a value and skips supplied keys', async () => {
    const values = await generateValues({
      a: valid({ type: 'password' }),
      b: valid({ type: 'password' }),
      c: { type: 'supplied' },
    });
    expect(Object.keys(values)).toEqual(['a', 'b']);
    expect(values.a.equals(values.b)).toBe(false);
  });

  it('stays within the size it announced before generating', async () => {
    const specs = [
      { type: 'rsa', bits: 2048 },
      { type: 'ec', curve: 'P-256' },
      { type: 'ec', curve: 'P-384' },
      { type: 'ec', curve: 'P-521' },
    ];
    for (const spec of specs) {
      const generators = { k: valid(spec) };
      expect((await generateValues(generators)).k.length + 1).toBeLessThanOrEqual(maxGeneratedBytes(generators));
    }
  });
});

describe('entropy floor', () => {
  it.each<[GeneratorSpec, number]>([
    [{ type: 'password', length: 8, alphabet: '0123456789' }, 8 * Math.log2(10)],
    [{ type: 'password', length: 10, alphabet: 'abab' }, 10],
    [{ type: 'password', length: 32 }, 32 * Math.log2(74)],
    [{ type: 'bytes', length: 16 }, 128],
    [{ type: 'uuid' }, 122],
    [{ type: 'rsa', bits: 2048 }, 112],
    [{ type: 'rsa', bits: 3072 }, 128],
    [{ type: 'rsa', bits: 4096 }, 152],
    [{ type: 'ec', curve: 'P-256' }, 128],
    [{ type: 'ec', curve: 'P-384' }, 192],
    [{ type: 'ec', curve: 'P-521' }, 256],
  ])('%j gives %d bits', (spec, bits) => {
    expect(entropyBits(spec as Exclude<GeneratorSpec, { type: 'supplied' }>)).toBeCloseTo(bits, 10);
  });

  it('refuses a generator below the minimum, naming the key, the generator, its bits and the minimum', () => {
    const error = refusal(() => valid({ type: 'password', length: 8, alphabet: '0123456789' }, 'pin'));
    expect(error.message).toBe('Generator for key pin (password) gives 26.6 bits of entropy; at least 64 are required');
    expect(error.details).toEqual({ key: 'pin', generator: 'password', bits: 26.6, minimumBits: 64 });
  });

  it('never shows a shortfall rounded up to the minimum', () => {
    // 8 characters from 19 give 33.98 bits.
    const error = refusal(() =>
      validateGenerator('k', { type: 'password', length: 8, alphabet: 'abcdefghijklmnopqrs' }, { minEntropyBits: 34 }),
    );
    expect(error.message).toContain('gives 33.9 bits');
  });

  it.each([
    [{ type: 'bytes', length: 7 }, 64, 'bytes'],
    [{ type: 'uuid' }, 128, 'uuid'],
    [{ type: 'rsa', bits: 2048 }, 128, 'rsa'],
    [{ type: 'ec', curve: 'P-256' }, 192, 'ec'],
  ])('refuses %j under a %d-bit floor', (spec, minEntropyBits, generator) => {
    expect(refusal(() => validateGenerator('k', spec, { minEntropyBits })).details).toMatchObject({
      key: 'k',
      generator,
    });
  });

  it('accepts generators at the minimum, and supplied keys whatever the floor', () => {
    expect(valid({ type: 'bytes', length: 8 })).toEqual({ type: 'bytes', length: 8, encoding: 'base64' });
    expect(validateGenerator('k', { type: 'supplied' }, { minEntropyBits: 512 })).toEqual({ type: 'supplied' });
  });
});

describe('generator parameters', () => {
  it.each([
    [{ type: 'magic' }, 'unknown generator'],
    [{}, 'needs a type'],
    [{ type: 'password', length: 0 }, 'length'],
    [{ type: 'password', length: 4 }, 'gives 24.8 bits of entropy'],
    [{ type: 'password', length: '64' }, 'length'],
    [{ type: 'password', alphabet: 'aaaa' }, 'at least 2 distinct'],
    [{ type: 'password', alphabet: 7 }, 'alphabet must be a string'],
    [{ type: 'password', alphabet: 'abc\u0000def' }, 'control'],
    [{ type: 'password', alphabet: 'abc\ndef' }, 'control'],
    [{ type: 'password', alphabet: 'abc\u200bdef' }, 'control'],
    [{ type: 'password', alphabet: 'abc\ud800def' }, 'control'],
    [{ type: 'password', alphabet: 'a'.repeat(257) }, 'at most 256 characters'],
    [{ type: 'bytes', encoding: 'base32' }, 'encoding'],
    [{ type: 'rsa', bits: 1024 }, 'bits'],
    [{ type: 'ec', curve: 'secp256k1' }, 'curve'],
    [{ type: 'ec', curve: 'constructor' }, 'curve'],
  ])('refuses %j', (spec, message) => {
    expect(refusal(() => valid(spec)).message).toContain(message);
  });

  it('accepts an alphabet of 256 distinct characters', () => {
    const alphabet = String.fromCodePoint(...Array.from({ length: 256 }, (_, i) => 0x100 + i));
    expect(valid({ type: 'password', length: 8, alphabet })).toMatchObject({ alphabet });
  });
});

describe('caps on one request', () => {
  const manyKeys = (count: number, spec: unknown) =>
    Object.fromEntries(Array.from({ length: count }, (_, i) => [`key-${i}`, spec]));

  it(`refuses more than ${MAX_GENERATED_KEYS} generated keys; supplied keys do not count`, () => {
    const error = refusal(() => validateGeneratorMap(manyKeys(MAX_GENERATED_KEYS + 1, { type: 'uuid' }), limits));
    expect(error.details).toEqual({
      cap: 'MAX_GENERATED_KEYS',
      requested: MAX_GENERATED_KEYS + 1,
      limit: MAX_GENERATED_KEYS,
    });
    expect(error.message).toContain(`at most ${MAX_GENERATED_KEYS}`);
    const generators = { ...manyKeys(MAX_GENERATED_KEYS, { type: 'uuid' }), other: { type: 'supplied' } };
    expect(Object.keys(validateGeneratorMap(generators, limits))).toHaveLength(MAX_GENERATED_KEYS + 1);
  });

  it(`refuses more than ${MAX_KEY_PAIRS} RSA/EC keys`, () => {
    const generators = { ...manyKeys(MAX_KEY_PAIRS, { type: 'ec' }), one: { type: 'rsa' } };
    expect(refusal(() => validateGeneratorMap(generators, limits)).details).toEqual({
      cap: 'MAX_KEY_PAIRS',
      requested: MAX_KEY_PAIRS + 1,
      limit: MAX_KEY_PAIRS,
    });
    expect(Object.keys(validateGeneratorMap(manyKeys(MAX_KEY_PAIRS, { type: 'ec' }), limits))).toHaveLength(
      MAX_KEY_PAIRS,
    );
  });

  it('refuses values that could outgrow a Secret, counting key names', () => {
    // 8 × (5-byte key + 131,072 hex characters) = 1,048,616 bytes.
    const error = refusal(() =>
      validateGeneratorMap(manyKeys(8, { type: 'bytes', length: 65536, encoding: 'hex' }), limits),
    );
    expect(error.details).toEqual({ cap: 'MAX_GENERATED_BYTES', requested: 1_048_616, limit: MAX_GENERATED_BYTES });
    const exactlyFull = {
      ...manyKeys(7, { type: 'bytes', length: 65536, encoding: 'hex' }),
      k: { type: 'bytes', length: 65536 - 18, encoding: 'hex' },
    };
    expect(maxGeneratedBytes(validateGeneratorMap(exactlyFull, limits))).toBe(MAX_GENERATED_BYTES);
  });

  it('bounds each value by its longest encoding', () => {
    const size = (spec: GeneratorSpec) => maxGeneratedBytes({ k: spec }) - 1;
    expect(size({ type: 'password', length: 10, alphabet: 'aé€😀' })).toBe(40);
    expect(size({ type: 'bytes', length: 10, encoding: 'hex' })).toBe(20);
    expect(size({ type: 'bytes', length: 10, encoding: 'base64' })).toBe(16);
    expect(size({ type: 'uuid' })).toBe(36);
    expect(maxGeneratedBytes({ k: { type: 'supplied' } })).toBe(0);
  });

  it('checks the caps again before generating anything', async () => {
    const generators = manyKeys(MAX_KEY_PAIRS + 1, { type: 'ec', curve: 'P-256' }) as Record<string, GeneratorSpec>;
    await expect(generateValues(generators)).rejects.toMatchObject({
      code: ErrorCode.Unprocessable,
      details: { cap: 'MAX_KEY_PAIRS' },
    });
    expect(keyPairs.calls).toBe(0);
  });
});

describe('key generation off the event loop', () => {
  it('leaves the event loop turning while a key is made', async () => {
    const { generateKeyPairSync } = await import('node:crypto');
    let settled = false;
    const pending = generateValues({ k: valid({ type: 'rsa', bits: 2048 }) }).finally(() => (settled = true));
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(settled).toBe(false);
    expect(createPrivateKey((await pending).k).asymmetricKeyDetails?.modulusLength).toBe(2048);
    expect(generateKeyPairSync).not.toHaveBeenCalled();
  });

  it(`makes at most ${MAX_CONCURRENT_KEY_PAIRS} key pairs at once across concurrent requests`, async () => {
    const request = () =>
      generateValues({ a: { type: 'ec' }, b: { type: 'ec' }, c: { type: 'ec' }, d: { type: 'ec' } });
    const results = await Promise.all([request(), request(), request()]);
    expect(results.flatMap(Object.values)).toHaveLength(12);
    expect(keyPairs.calls).toBe(12);
    expect(keyPairs.peak).toBe(MAX_CONCURRENT_KEY_PAIRS);
  });

  it('gives the slot back when a generation fails', async () => {
    keyPairs.failNext = true;
    await expect(generateValues({ k: { type: 'ec' } })).rejects.toThrow('key generation failed');
    const results = await Promise.all(
      Array.from({ length: MAX_CONCURRENT_KEY_PAIRS + 1 }, () => generateValues({ k: { type: 'ec' } })),
    );
    expect(results).toHaveLength(MAX_CONCURRENT_KEY_PAIRS + 1);
    expect(keyPairs.active).toBe(0);
  });
});

describe('key names', () => {
  it('keeps constructor, toString and valueOf as ordinary keys', async () => {
    const generate = JSON.parse(
      '{"constructor": {"type": "uuid"}, "toString": {"type": "password"}, "valueOf": {"type": "bytes"}}',
    ) as Record<string, unknown>;
    const generators = validateGeneratorMap(generate, limits);
    expect(Object.keys(generators)).toEqual(['constructor', 'toString', 'valueOf']);
    const values = await generateValues(generators);
    expect(Object.keys(values)).toEqual(['constructor', 'toString', 'valueOf']);
    expect(Object.values(values).every(Buffer.isBuffer)).toBe(true);
  });

  it('generates a __proto__ key as an own key, never a prototype change', async () => {
    const generators = JSON.parse('{"__proto__": {"type": "uuid"}, "k": {"type": "uuid"}}') as Record<
      string,
      GeneratorSpec
    >;
    const values = await generateValues(generators);
    expect(Object.getPrototypeOf(values)).toBe(Object.prototype);
    expect(Object.keys(values)).toEqual(['__proto__', 'k']);
    expect(values['__proto__'].toString()).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('refuses key names Kubernetes refuses', () => {
    expect(refusal(() => validateGeneratorMap({ 'a/b': { type: 'uuid' } }, limits)).message).toContain(
      '"a/b" is invalid',
    );
  });
});
