import { generateKeyPair, randomBytes, randomUUID } from 'node:crypto';
import { DomainError, ErrorCode } from '../common/errors/domain-error.js';
import { assertDataKey, MAX_SECRET_BYTES } from './secret-input.js';

/** How a key's value is produced. */
export type GeneratorSpec =
  | { readonly type: 'password'; readonly length?: number; readonly alphabet?: string }
  | { readonly type: 'bytes'; readonly length?: number; readonly encoding?: 'hex' | 'base64' }
  | { readonly type: 'uuid' }
  | { readonly type: 'rsa'; readonly bits?: number }
  | { readonly type: 'ec'; readonly curve?: string }
  | { readonly type: 'supplied' };

/** A spec whose value the broker produces (every type but `supplied`). */
export type GeneratedSpec = Exclude<GeneratorSpec, { readonly type: 'supplied' }>;

export interface GeneratorLimits {
  /** Floor on the entropy of every generated value (config `minGeneratedEntropyBits`). */
  readonly minEntropyBits: number;
}

export const GENERATOR_TYPES = ['password', 'bytes', 'uuid', 'rsa', 'ec', 'supplied'] as const;
export const DEFAULT_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.~!@#%^*+=';
/** Also makes one random byte enough to draw one character. */
export const MAX_ALPHABET_LENGTH = 256;
/** Per request, checked before anything is generated. */
export const MAX_GENERATED_KEYS = 32;
export const MAX_KEY_PAIRS = 4;
/** Generated values (with their key names) must fit in one Kubernetes Secret. */
export const MAX_GENERATED_BYTES = MAX_SECRET_BYTES;
/**
 * Key pairs generated at once in this process. libuv's pool has 4 threads by default and also
 * serves DNS lookups, file I/O, zlib and the other async crypto; key generation never takes
 * more than half of it.
 */
export const MAX_CONCURRENT_KEY_PAIRS = 2;

const DEFAULT_PASSWORD_LENGTH = 32;
const DEFAULT_BYTES_LENGTH = 32;
const UUID_BITS = 122;
const UUID_LENGTH = 36;
const DISALLOWED_ALPHABET_CHARACTER = /[\p{Cc}\p{Cf}\p{Cs}]/u;
/**
 * Security strength (NIST SP 800-57 Part 1, SP 800-56B) and an upper bound on the PKCS#8 PEM
 * length. RSA bounds take every integer at its longest (one leading zero byte); OpenSSL
 * encodes EC keys at a fixed length (241, 306, 384), the bounds leave room for curve parameters.
 */
const RSA_KEYS = new Map([
  [2048, { securityBits: 112, maxPemBytes: 1708 }],
  [3072, { securityBits: 128, maxPemBytes: 2488 }],
  [4096, { securityBits: 152, maxPemBytes: 3276 }],
]);
const EC_KEYS = new Map([
  ['P-256', { securityBits: 128, maxPemBytes: 256 }],
  ['P-384', { securityBits: 192, maxPemBytes: 320 }],
  ['P-521', { securityBits: 256, maxPemBytes: 400 }],
]);

function unprocessable(message: string, details?: Record<string, unknown>): DomainError {
  return new DomainError(ErrorCode.Unprocessable, message, { details });
}

/**
 * Validates a caller's `generate` map: key names, each spec (with the entropy floor), then the
 * per-request caps. The result has only own properties, so `__proto__` or `constructor` are keys
 * like any other.
 */
export function validateGeneratorMap(
  generate: Readonly<Record<string, unknown>>,
  limits: GeneratorLimits,
): Record<string, GeneratorSpec> {
  const generators = Object.fromEntries(
    Object.entries(generate).map(([key, spec]) => {
      assertDataKey(key);
      return [key, validateGenerator(key, spec, limits)];
    }),
  );
  assertWithinGenerationCaps(generators);
  return generators;
}

/** Checks one spec without generating anything; throws UNPROCESSABLE naming the key and the problem. */
export function validateGenerator(key: string, spec: unknown, limits: GeneratorLimits): GeneratorSpec {
  const validated = parseGenerator(key, spec);
  if (validated.type === 'supplied') return validated;
  const bits = entropyBits(validated);
  if (bits < limits.minEntropyBits) {
    const shown = displayedBits(bits, limits.minEntropyBits);
    throw unprocessable(
      `Generator for key ${key} (${validated.type}) gives ${shown} bits of entropy; at least ${limits.minEntropyBits} are required`,
      {
        key,
        generator: validated.type,
        bits: shown,
        minimumBits: limits.minEntropyBits,
      },
    );
  }
  return validated;
}

/** Bits of entropy in one generated value: the chance of guessing it is 2^-bits. */
export function entropyBits(spec: GeneratedSpec): number {
  switch (spec.type) {
    case 'password':
      return (
        (spec.length ?? DEFAULT_PASSWORD_LENGTH) *
        Math.log2(distinctCharacters(spec.alphabet ?? DEFAULT_ALPHABET).length)
      );
    case 'bytes':
      return 8 * (spec.length ?? DEFAULT_BYTES_LENGTH);
    case 'uuid':
      return UUID_BITS;
    case 'rsa':
      return rsaKey(spec).securityBits;
    case 'ec':
      return ecKey(spec).securityBits;
  }
}

/** The caps on one request's generation; generateValues checks them again before it starts. */
export function assertWithinGenerationCaps(generators: Readonly<Record<string, GeneratorSpec>>): void {
  const generated = generatedEntries(generators);
  const capExceeded = (cap: string, message: string, requested: number, limit: number) =>
    unprocessable(message, { cap, requested, limit });
  if (generated.length > MAX_GENERATED_KEYS) {
    throw capExceeded(
      'MAX_GENERATED_KEYS',
      `${generated.length} keys would be generated; at most ${MAX_GENERATED_KEYS} are generated per request`,
      generated.length,
      MAX_GENERATED_KEYS,
    );
  }
  const keyPairs = generated.filter(([, spec]) => spec.type === 'rsa' || spec.type === 'ec').length;
  if (keyPairs > MAX_KEY_PAIRS) {
    throw capExceeded(
      'MAX_KEY_PAIRS',
      `${keyPairs} RSA/EC keys would be generated; at most ${MAX_KEY_PAIRS} are generated per request`,
      keyPairs,
      MAX_KEY_PAIRS,
    );
  }
  const bytes = maxGeneratedBytes(generators);
  if (bytes > MAX_GENERATED_BYTES) {
    throw capExceeded(
      'MAX_GENERATED_BYTES',
      `Generated values could take ${bytes} bytes; a Secret holds at most ${MAX_GENERATED_BYTES}`,
      bytes,
      MAX_GENERATED_BYTES,
    );
  }
}

/** Upper bound on the size the generated values (and their keys) add to a Secret, known before generating. */
export function maxGeneratedBytes(generators: Readonly<Record<string, GeneratorSpec>>): number {
  return generatedEntries(generators).reduce(
    (total, [key, spec]) => total + Buffer.byteLength(key) + maxValueBytes(spec),
    0,
  );
}

/**
 * Fresh values for every generated key (`supplied` keys are skipped). RSA and EC keys are made
 * on libuv's thread pool, at most MAX_CONCURRENT_KEY_PAIRS at a time across the process.
 */
export async function generateValues(
  generators: Readonly<Record<string, GeneratorSpec>>,
): Promise<Record<string, Buffer>> {
  assertWithinGenerationCaps(generators);
  const values = await Promise.all(
    generatedEntries(generators).map(async ([key, spec]) => [key, await generateValue(spec)] as const),
  );
  return Object.fromEntries(values);
}

function parseGenerator(key: string, spec: unknown): GeneratorSpec {
  const invalid = (why: string) => unprocessable(`Generator for key ${key}: ${why}`, { key });
  if (typeof spec !== 'object' || spec === null || !('type' in spec)) throw invalid('a generator needs a type');
  const candidate = spec as Record<string, unknown>;
  switch (candidate.type) {
    case 'password': {
      const length = candidate.length ?? DEFAULT_PASSWORD_LENGTH;
      const alphabet = candidate.alphabet ?? DEFAULT_ALPHABET;
      // No separate minimum length: the entropy floor decides, naming the bits a short password would give.
      if (!Number.isInteger(length) || (length as number) < 1 || (length as number) > 4096)
        throw invalid('password length must be an integer from 1 to 4096');
      if (typeof alphabet !== 'string') throw invalid('alphabet must be a string');
      if ([...alphabet].length > MAX_ALPHABET_LENGTH)
        throw invalid(`alphabet must hold at most ${MAX_ALPHABET_LENGTH} characters`);
      if (DISALLOWED_ALPHABET_CHARACTER.test(alphabet))
        throw invalid('alphabet must not hold control, format or unpaired surrogate characters');
      if (distinctCharacters(alphabet).length < 2) throw invalid('alphabet must hold at least 2 distinct characters');
      return { type: 'password', length: length as number, alphabet };
    }
    case 'bytes': {
      const length = candidate.length ?? DEFAULT_BYTES_LENGTH;
      const encoding = candidate.encoding ?? 'base64';
      if (!Number.isInteger(length) || (length as number) < 1 || (length as number) > 65536)
        throw invalid('bytes length must be an integer from 1 to 65536');
      if (encoding !== 'hex' && encoding !== 'base64') throw invalid('encoding must be hex or base64');
      return { type: 'bytes', length: length as number, encoding };
    }
    case 'uuid':
      return { type: 'uuid' };
    case 'rsa': {
      const bits = candidate.bits ?? 2048;
      if (typeof bits !== 'number' || !RSA_KEYS.has(bits))
        throw invalid(`bits must be one of ${[...RSA_KEYS.keys()].join(', ')}`);
      return { type: 'rsa', bits };
    }
    case 'ec': {
      const curve = candidate.curve ?? 'P-256';
      if (typeof curve !== 'string' || !EC_KEYS.has(curve))
        throw invalid(`curve must be one of ${[...EC_KEYS.keys()].join(', ')}`);
      return { type: 'ec', curve };
    }
    case 'supplied':
      return { type: 'supplied' };
    default:
      throw invalid(`unknown generator type ${JSON.stringify(candidate.type)}; known: ${GENERATOR_TYPES.join(', ')}`);
  }
}

/** One decimal, never rounded up to the minimum it falls short of. */
function displayedBits(bits: number, minimum: number): number {
  const rounded = Math.round(bits * 10) / 10;
  return rounded < minimum ? rounded : Math.floor(bits * 10) / 10;
}

function generatedEntries(generators: Readonly<Record<string, GeneratorSpec>>): Array<[string, GeneratedSpec]> {
  return Object.entries(generators).filter((entry): entry is [string, GeneratedSpec] => entry[1].type !== 'supplied');
}

/** Duplicates would make some characters likelier; a password draws from the distinct ones. */
function distinctCharacters(alphabet: string): string[] {
  return [...new Set(alphabet)];
}

function rsaKey(spec: Extract<GeneratorSpec, { type: 'rsa' }>): { securityBits: number; maxPemBytes: number } {
  const key = RSA_KEYS.get(spec.bits ?? 2048);
  if (!key) throw unprocessable(`RSA keys of ${spec.bits} bits are not generated`);
  return key;
}

function ecKey(spec: Extract<GeneratorSpec, { type: 'ec' }>): { securityBits: number; maxPemBytes: number } {
  const key = EC_KEYS.get(spec.curve ?? 'P-256');
  if (!key) throw unprocessable(`EC keys on curve ${spec.curve} are not generated`);
  return key;
}

function maxValueBytes(spec: GeneratedSpec): number {
  switch (spec.type) {
    case 'password': {
      const widest = Math.max(
        ...distinctCharacters(spec.alphabet ?? DEFAULT_ALPHABET).map((character) => Buffer.byteLength(character)),
      );
      return (spec.length ?? DEFAULT_PASSWORD_LENGTH) * widest;
    }
    case 'bytes': {
      const length = spec.length ?? DEFAULT_BYTES_LENGTH;
      return spec.encoding === 'hex' ? 2 * length : Math.ceil(length / 3) * 4;
    }
    case 'uuid':
      return UUID_LENGTH;
    case 'rsa':
      return rsaKey(spec).maxPemBytes;
    case 'ec':
      return ecKey(spec).maxPemBytes;
  }
}

async function generateValue(spec: GeneratedSpec): Promise<Buffer> {
  switch (spec.type) {
    case 'password':
      return Buffer.from(
        randomPassword(distinctCharacters(spec.alphabet ?? DEFAULT_ALPHABET), spec.length ?? DEFAULT_PASSWORD_LENGTH),
      );
    case 'bytes':
      return Buffer.from(randomBytes(spec.length ?? DEFAULT_BYTES_LENGTH).toString(spec.encoding ?? 'base64'));
    case 'uuid':
      return Buffer.from(randomUUID());
    case 'rsa':
    case 'ec':
      return Buffer.from(await keyPairSlots.run(() => generatePrivateKeyPem(spec)));
  }
}

/**
 * Uniform over the alphabet (at most 256 characters): a byte at or above the largest multiple
 * of the alphabet's size is drawn again, so `byte % size` has no modulo bias. Drawing bytes in
 * batches is several times faster than a randomInt call per character, and this runs on the
 * event loop.
 */
function randomPassword(alphabet: readonly string[], length: number): string {
  const accepted = 256 - (256 % alphabet.length);
  const characters = new Array<string>(length);
  let filled = 0;
  while (filled < length) {
    const bytes = randomBytes(2 * (length - filled));
    for (let i = 0; i < bytes.length && filled < length; i++) {
      if (bytes[i] < accepted) characters[filled++] = alphabet[bytes[i] % alphabet.length];
    }
  }
  return characters.join('');
}

const PKCS8_PEM = { type: 'pkcs8', format: 'pem' } as const;
const SPKI_PEM = { type: 'spki', format: 'pem' } as const;

function generatePrivateKeyPem(spec: Extract<GeneratedSpec, { type: 'rsa' | 'ec' }>): Promise<string> {
  return new Promise((resolve, reject) => {
    const done = (error: Error | null, _publicKey: string, privateKey: string): void =>
      error ? reject(error) : resolve(privateKey);
    if (spec.type === 'rsa')
      generateKeyPair(
        'rsa',
        { modulusLength: spec.bits ?? 2048, publicKeyEncoding: SPKI_PEM, privateKeyEncoding: PKCS8_PEM },
        done,
      );
    else
      generateKeyPair(
        'ec',
        { namedCurve: spec.curve ?? 'P-256', publicKeyEncoding: SPKI_PEM, privateKeyEncoding: PKCS8_PEM },
        done,
      );
  });
}

/** A counting semaphore: tasks past the limit wait in order for a slot. */
class Slots {
  private active = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(private readonly limit: number) {}

  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.active < this.limit) this.active++;
    else await new Promise<void>((resolve) => this.waiting.push(resolve));
    try {
      return await task();
    } finally {
      // The slot passes straight to the next waiter, so `active` never drops below the limit while tasks wait.
      const next = this.waiting.shift();
      if (next) next();
      else this.active--;
    }
  }
}

const keyPairSlots = new Slots(MAX_CONCURRENT_KEY_PAIRS);
