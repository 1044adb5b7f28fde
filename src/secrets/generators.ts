import { generateKeyPairSync, randomBytes, randomInt, randomUUID } from 'node:crypto';
import { DomainError, ErrorCode } from '../common/errors/domain-error.js';

/** How a key's value is produced (SPEC §2 rotation policy generators). */
export type GeneratorSpec =
  | { readonly type: 'password'; readonly length?: number; readonly alphabet?: string }
  | { readonly type: 'bytes'; readonly length?: number; readonly encoding?: 'hex' | 'base64' }
  | { readonly type: 'uuid' }
  | { readonly type: 'rsa'; readonly bits?: number }
  | { readonly type: 'ec'; readonly curve?: string }
  | { readonly type: 'supplied' };

export const GENERATOR_TYPES = ['password', 'bytes', 'uuid', 'rsa', 'ec', 'supplied'] as const;
export const DEFAULT_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.~!@#%^*+=';
const RSA_BITS = [2048, 3072, 4096];
const EC_CURVES = ['P-256', 'P-384', 'P-521'];

/** Checks a spec without generating anything; throws UNPROCESSABLE naming the problem. */
export function validateGenerator(key: string, spec: unknown): GeneratorSpec {
  const invalid = (why: string) => new DomainError(ErrorCode.Unprocessable, `Generator for key ${key}: ${why}`);
  if (typeof spec !== 'object' || spec === null || !('type' in spec)) throw invalid('a generator needs a type');
  const candidate = spec as Record<string, unknown>;
  switch (candidate.type) {
    case 'password': {
      const length = candidate.length ?? 32;
      const alphabet = candidate.alphabet ?? DEFAULT_ALPHABET;
      if (!Number.isInteger(length) || (length as number) < 8 || (length as number) > 4096) throw invalid('password length must be an integer from 8 to 4096');
      if (typeof alphabet !== 'string' || new Set(alphabet).size < 2) throw invalid('alphabet must hold at least 2 distinct characters');
      return { type: 'password', length: length as number, alphabet };
    }
    case 'bytes': {
      const length = candidate.length ?? 32;
      const encoding = candidate.encoding ?? 'base64';
      if (!Number.isInteger(length) || (length as number) < 1 || (length as number) > 65536) throw invalid('bytes length must be an integer from 1 to 65536');
      if (encoding !== 'hex' && encoding !== 'base64') throw invalid('encoding must be hex or base64');
      return { type: 'bytes', length: length as number, encoding };
    }
    case 'uuid':
      return { type: 'uuid' };
    case 'rsa': {
      const bits = candidate.bits ?? 2048;
      if (!RSA_BITS.includes(bits as number)) throw invalid(`bits must be one of ${RSA_BITS.join(', ')}`);
      return { type: 'rsa', bits: bits as number };
    }
    case 'ec': {
      const curve = candidate.curve ?? 'P-256';
      if (!EC_CURVES.includes(curve as string)) throw invalid(`curve must be one of ${EC_CURVES.join(', ')}`);
      return { type: 'ec', curve: curve as string };
    }
    case 'supplied':
      return { type: 'supplied' };
    default:
      throw invalid(`unknown generator type ${JSON.stringify(candidate.type)}; known: ${GENERATOR_TYPES.join(', ')}`);
  }
}

/** Produces a fresh value; `supplied` keys have no generator and are refused here. */
export function generateValue(key: string, spec: GeneratorSpec): Buffer {
  switch (spec.type) {
    case 'password': {
      const alphabet = [...(spec.alphabet ?? DEFAULT_ALPHABET)];
      // randomInt is uniform: no modulo bias.
      return Buffer.from(Array.from({ length: spec.length ?? 32 }, () => alphabet[randomInt(alphabet.length)]).join(''));
    }
    case 'bytes':
      return Buffer.from(randomBytes(spec.length ?? 32).toString(spec.encoding ?? 'base64'));
    case 'uuid':
      return Buffer.from(randomUUID());
    case 'rsa':
      return Buffer.from(generateKeyPairSync('rsa', { modulusLength: spec.bits ?? 2048 }).privateKey.export({ type: 'pkcs8', format: 'pem' }));
    case 'ec':
      return Buffer.from(generateKeyPairSync('ec', { namedCurve: spec.curve ?? 'P-256' }).privateKey.export({ type: 'pkcs8', format: 'pem' }));
    case 'supplied':
      throw new DomainError(ErrorCode.Unprocessable, `Key ${key} is supplied by callers; pass its value with update`);
  }
}
