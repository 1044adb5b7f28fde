import { createCipheriv, createDecipheriv, createHash, createHmac, randomBytes } from 'node:crypto';

/** A value map sealed under a fresh data key, itself wrapped by the key-encryption key. */
export interface SealedValues {
  /** Which KEK wrapped the data key, so the KEK can be rotated later. */
  readonly kekId: string;
  /** iv ‖ tag ‖ ciphertext of the data key, under the KEK (base64). */
  readonly wrappedDataKey: string;
  /** iv ‖ tag ‖ ciphertext of the values, under the data key (base64). */
  readonly ciphertext: string;
}

/** Which secret a fingerprint belongs to. */
export interface SecretRef {
  readonly namespace: string;
  readonly name: string;
}

const IV_BYTES = 12;
const TAG_BYTES = 16;

/**
 * Envelope encryption with AES-256-GCM: each version gets its own data key; only the
 * wrapped data key is stored. The associated data binds a ciphertext to its secret and version,
 * so sealed values cannot be swapped between rows.
 */
export class EnvelopeCipher {
  readonly kekId: string;
  private readonly fingerprintKey: Buffer;

  constructor(private readonly kek: Buffer) {
    if (kek.length !== 32) throw new Error('The key-encryption key must be 32 bytes');
    this.kekId = createHash('sha256').update(kek).digest('hex').slice(0, 16);
    // A separate key for fingerprints, so an HMAC never reuses the encryption key itself.
    this.fingerprintKey = createHmac('sha256', kek).update('secrets-broker fingerprint key v1').digest();
  }

  seal(values: Readonly<Record<string, Buffer>>, context: string): SealedValues {
    const dataKey = randomBytes(32);
    const plaintext = Buffer.from(
      JSON.stringify(Object.fromEntries(Object.entries(values).map(([key, value]) => [key, value.toString('base64')]))),
    );
    try {
      return {
        kekId: this.kekId,
        wrappedDataKey: encrypt(this.kek, dataKey, `kek:${context}`),
        ciphertext: encrypt(dataKey, plaintext, context),
      };
    } finally {
      dataKey.fill(0);
      plaintext.fill(0);
    }
  }

  open(sealed: SealedValues, context: string): Record<string, Buffer> {
    if (sealed.kekId !== this.kekId) throw new Error(`Sealed with key ${sealed.kekId}, not the configured key`);
    const dataKey = decrypt(this.kek, sealed.wrappedDataKey, `kek:${context}`);
    try {
      const encoded = JSON.parse(decrypt(dataKey, sealed.ciphertext, context).toString('utf8')) as Record<
        string,
        string
      >;
      return Object.fromEntries(Object.entries(encoded).map(([key, value]) => [key, Buffer.from(value, 'base64')]));
    } finally {
      dataKey.fill(0);
    }
  }

  /**
   * HMAC-SHA-256 per key under a key of this secret's own, derived from the KEK: versions of one
   * secret compare with each other, the same value in two secrets never gives the same fingerprint.
   */
  fingerprint(values: Readonly<Record<string, Buffer>>, secret: SecretRef): Record<string, string> {
    return Object.fromEntries(
      Object.keys(values)
        .sort()
        .map((key) => [key, this.bindToSecret(this.brokerWideFingerprint(key, values[key]), secret)]),
    );
  }

  /**
   * Upgrades fingerprints of the first scheme (one broker-wide key) to the per-secret scheme,
   * without the values: the per-secret fingerprint is an HMAC of the broker-wide one.
   */
  rebindFingerprints(legacy: Readonly<Record<string, string>>, secret: SecretRef): Record<string, string> {
    return Object.fromEntries(
      Object.entries(legacy).map(([key, fingerprint]) => [key, this.bindToSecret(fingerprint, secret)]),
    );
  }

  private brokerWideFingerprint(key: string, value: Buffer): string {
    return createHmac('sha256', this.fingerprintKey).update(key).update('\0').update(value).digest('hex');
  }

  private bindToSecret(fingerprint: string, secret: SecretRef): string {
    const secretKey = createHmac('sha256', this.fingerprintKey)
      .update(`secret:${secret.namespace}/${secret.name}`)
      .digest();
    return createHmac('sha256', secretKey).update(fingerprint).digest('hex');
  }
}

function encrypt(key: Buffer, plaintext: Buffer, associatedData: string): string {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(Buffer.from(associatedData));
  const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return Buffer.concat([iv, cipher.getAuthTag(), ciphertext]).toString('base64');
}

function decrypt(key: Buffer, sealed: string, associatedData: string): Buffer {
  const bytes = Buffer.from(sealed, 'base64');
  const decipher = createDecipheriv('aes-256-gcm', key, bytes.subarray(0, IV_BYTES));
  decipher.setAAD(Buffer.from(associatedData));
  decipher.setAuthTag(bytes.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
  return Buffer.concat([decipher.update(bytes.subarray(IV_BYTES + TAG_BYTES)), decipher.final()]);
}
