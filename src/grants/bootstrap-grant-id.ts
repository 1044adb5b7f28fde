import { createHash } from 'node:crypto';

// The broker's own UUID namespace for name-based (v5) grant ids; never change it.
const BOOTSTRAP_NAMESPACE = Buffer.from('5b0c1d7e6f3a4e2b9c8d0a1b2c3d4e5f', 'hex');

/** A name-based UUID (RFC 9562 §5.5, version 5), so it passes the same id validation as any grant's. */
export function bootstrapGrantId(subject: string): string {
  const hash = createHash('sha1').update(BOOTSTRAP_NAMESPACE).update(`bootstrap-admin:${subject}`).digest();
  hash[6] = (hash[6] & 0x0f) | 0x50;
  hash[8] = (hash[8] & 0x3f) | 0x80;
  const hex = hash.subarray(0, 16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}
