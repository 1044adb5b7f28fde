import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { DomainError, ErrorCode } from '../errors/domain-error.js';

const IV_BYTES = 12;
const TAG_BYTES = 16;

/**
 * The broker's own paging cursors: the position (for secrets, the cluster's `continue` token,
 * which names the last key it read) sealed with AES-256-GCM, and bound to the listing it came
 * from (who listed what, with which filter). A caller can neither read a position — so a cursor
 * leaks no name outside its grants — nor forge one, nor replay one in another listing.
 */
export class CursorCodec {
  constructor(private readonly key: Buffer) {
    if (key.length !== 32) throw new Error('The cursor key must be 32 bytes');
  }

  seal(position: string, listing: string): string {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    cipher.setAAD(Buffer.from(listing));
    const ciphertext = Buffer.concat([cipher.update(position, 'utf8'), cipher.final()]);
    return Buffer.concat([iv, cipher.getAuthTag(), ciphertext]).toString('base64url');
  }

  /** The position in `cursor`; INVALID_INPUT when it was not sealed by this broker for `listing`. */
  open(cursor: string, listing: string): string {
    const bytes = Buffer.from(cursor, 'base64url');
    if (bytes.length < IV_BYTES + TAG_BYTES || bytes.toString('base64url') !== cursor) throw notOurs();
    try {
      const decipher = createDecipheriv('aes-256-gcm', this.key, bytes.subarray(0, IV_BYTES));
      decipher.setAAD(Buffer.from(listing));
      decipher.setAuthTag(bytes.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
      return Buffer.concat([decipher.update(bytes.subarray(IV_BYTES + TAG_BYTES)), decipher.final()]).toString('utf8');
    } catch {
      throw notOurs();
    }
  }
}

function notOurs(): DomainError {
  return new DomainError(ErrorCode.InvalidInput, 'continue is not a cursor this API returned for this listing');
}
