import { ConfigError } from './config-error.js';
import { readFileOrFail } from './connection-config.js';

/** Key-encryption keys by the operator's id; new data keys are wrapped by the active one. */
export interface EncryptionKeys {
  readonly active: string;
  readonly keys: ReadonlyMap<string, Buffer>;
}

/** The id the single-key variables (ENCRYPTION_KEY, ENCRYPTION_KEY_FILE) give their key. */
export const SINGLE_KEY_ID = 'default';

interface EncryptionKeyEnvironment {
  readonly ENCRYPTION_KEY?: string;
  readonly ENCRYPTION_KEY_FILE?: string;
  readonly ENCRYPTION_KEYS?: string;
  readonly ENCRYPTION_KEY_ACTIVE?: string;
}

export function encryptionKeys(values: EncryptionKeyEnvironment): EncryptionKeys {
  const single = values.ENCRYPTION_KEY !== undefined || values.ENCRYPTION_KEY_FILE !== undefined;
  if (values.ENCRYPTION_KEYS !== undefined) {
    if (single) {
      throw new ConfigError(
        'Invalid configuration: ENCRYPTION_KEYS and ENCRYPTION_KEY/ENCRYPTION_KEY_FILE are mutually exclusive',
      );
    }
    return keyList(values.ENCRYPTION_KEYS, values.ENCRYPTION_KEY_ACTIVE);
  }
  if (values.ENCRYPTION_KEY_ACTIVE !== undefined) {
    throw new ConfigError('Invalid configuration: ENCRYPTION_KEY_ACTIVE needs ENCRYPTION_KEYS');
  }
  return Object.freeze({ active: SINGLE_KEY_ID, keys: new Map([[SINGLE_KEY_ID, singleKey(values)]]) });
}

/** `id:base64,id:base64`: ids are the operator's names for the keys; the active one must be listed. */
function keyList(list: string, active: string | undefined): EncryptionKeys {
  const keys = new Map<string, Buffer>();
  for (const entry of list.split(',').map((item) => item.trim())) {
    const separator = entry.indexOf(':');
    const id = entry.slice(0, separator);
    if (separator < 1 || !/^[A-Za-z0-9._-]{1,64}$/.test(id)) {
      throw new ConfigError(
        'Invalid configuration: ENCRYPTION_KEYS entries must be id:base64 (id: letters, digits, ._-)',
      );
    }
    if (keys.has(id)) throw new ConfigError(`Invalid configuration: ENCRYPTION_KEYS lists key ${id} twice`);
    keys.set(id, decodeKey(`ENCRYPTION_KEYS (key ${id})`, entry.slice(separator + 1)));
  }
  if (active === undefined) {
    if (keys.size !== 1)
      throw new ConfigError('Invalid configuration: ENCRYPTION_KEY_ACTIVE must name one of ENCRYPTION_KEYS');
    return Object.freeze({ active: [...keys.keys()][0], keys });
  }
  if (!keys.has(active)) {
    throw new ConfigError(`Invalid configuration: ENCRYPTION_KEY_ACTIVE ${active} is not in ENCRYPTION_KEYS`);
  }
  return Object.freeze({ active, keys });
}

function singleKey(values: EncryptionKeyEnvironment): Buffer {
  if (values.ENCRYPTION_KEY && values.ENCRYPTION_KEY_FILE) {
    throw new ConfigError('Invalid configuration: ENCRYPTION_KEY and ENCRYPTION_KEY_FILE are mutually exclusive');
  }
  const [name, encoded] = values.ENCRYPTION_KEY_FILE
    ? ['ENCRYPTION_KEY_FILE', readFileOrFail('ENCRYPTION_KEY_FILE', values.ENCRYPTION_KEY_FILE)]
    : ['ENCRYPTION_KEY', values.ENCRYPTION_KEY];
  if (encoded === undefined) {
    throw new ConfigError(
      'Invalid configuration: ENCRYPTION_KEY, ENCRYPTION_KEY_FILE or ENCRYPTION_KEYS must be set (npm run dev generates one)',
    );
  }
  return decodeKey(name, encoded);
}

// Random 32 bytes hold ~30 distinct values; fewer than this is a pattern (zeros, a repeated byte).
const MIN_DISTINCT_KEY_BYTES = 16;
const PRINTABLE_ASCII = /^[\x20-\x7e]*$/;

/**
 * A KEK must be random bytes, not something that merely decodes to 32 of them: strict base64 (no
 * stray characters the decoder would skip), not a pattern, and not base64 of a text passphrase
 * (32 printable characters: about 200 bits at most, usually far less). The chance that random
 * bytes fail either check is below 1e-13.
 */
function decodeKey(name: string, encoded: string): Buffer {
  const text = encoded.trim();
  const key = Buffer.from(text, 'base64');
  const canonical = key.toString('base64');
  if (text !== canonical && text !== canonical.replace(/=+$/, '')) {
    throw new ConfigError(`Invalid configuration: ${name} is not strict base64 (stray or misplaced characters)`);
  }
  if (key.length !== 32) {
    throw new ConfigError(`Invalid configuration: ${name} must be 32 bytes encoded as base64`);
  }
  if (new Set(key).size < MIN_DISTINCT_KEY_BYTES) {
    throw new ConfigError(
      `Invalid configuration: ${name} is not random (all zeros or a repeated pattern); generate one with openssl rand -base64 32`,
    );
  }
  if (PRINTABLE_ASCII.test(key.toString('latin1'))) {
    throw new ConfigError(
      `Invalid configuration: ${name} decodes to text, not random bytes; generate one with openssl rand -base64 32`,
    );
  }
  return key;
}
