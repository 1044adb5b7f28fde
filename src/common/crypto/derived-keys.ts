import { hkdfSync } from 'node:crypto';

/**
 * What a key derived from the key-encryption key is for. Each purpose gets its own key, so a
 * value computed for one purpose (a cursor's ciphertext, a fingerprint, an audit link) can never
 * be replayed as another; none of them is the KEK itself, which only wraps data keys.
 */
export type KeyPurpose = 'fingerprint' | 'cursor' | 'audit-chain' | 'audit-checkpoint';

/** HKDF-SHA-256 (RFC 5869) of the KEK, labelled by purpose. The database never holds the result. */
export function deriveKey(kek: Buffer, purpose: KeyPurpose): Buffer {
  return Buffer.from(hkdfSync('sha256', kek, Buffer.alloc(0), `secrets-broker ${purpose} v1`, 32));
}
