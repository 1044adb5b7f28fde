import { createHmac, randomBytes } from 'node:crypto';
import { open, seal } from './aead.js';
import type { KeyRing } from './key-ring.js';

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

/**
 * Envelope encryption with AES-256-GCM: each version gets its own data key; only the data key,
 * wrapped by the active key-encryption key, is stored. The associated data binds a ciphertext to
 * its secret and version, so sealed values cannot be swapped between rows.
 */
export class EnvelopeCipher {
  constructor(
    private readonly ring: KeyRing,
    private readonly fingerprintKey: Buffer,
  ) {}

  seal(values: Readonly<Record<string, Buffer>>, context: string): SealedValues {
    const dataKey = randomBytes(32);
    const plaintext = Buffer.from(
      JSON.stringify(Object.fromEntries(Object.entries(values).map(([key, value]) => [key, value.toString('base64')]))),
    );
    try {
      const wrapped = this.ring.wrap(dataKey, `kek:${context}`);
      return { kekId: wrapped.kekId, wrappedDataKey: wrapped.wrapped, ciphertext: seal(dataKey, plaintext, context) };
    } finally {
      dataKey.fill(0);
      plaintext.fill(0);
    }
  }

  open(sealed: SealedValues, context: string): Record<string, Buffer> {
    const dataKey = this.ring.unwrap({ kekId: sealed.kekId, wrapped: sealed.wrappedDataKey }, `kek:${context}`);
    try {
      const encoded = JSON.parse(open(dataKey, sealed.ciphertext, context).toString('utf8')) as Record<string, string>;
      return Object.fromEntries(Object.entries(encoded).map(([key, value]) => [key, Buffer.from(value, 'base64')]));
    } finally {
      dataKey.fill(0);
    }
  }

  /** The data key of `sealed`, wrapped by the active KEK; the values' ciphertext does not change. */
  rewrap(
    sealed: Pick<SealedValues, 'kekId' | 'wrappedDataKey'>,
    context: string,
  ): Pick<SealedValues, 'kekId' | 'wrappedDataKey'> {
    const wrapped = this.ring.rewrap({ kekId: sealed.kekId, wrapped: sealed.wrappedDataKey }, `kek:${context}`);
    return { kekId: wrapped.kekId, wrappedDataKey: wrapped.wrapped };
  }

  /** Whether `kekId` is the active KEK (nothing to re-wrap). */
  isActive(kekId: string): boolean {
    return kekId === this.ring.active.id;
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
