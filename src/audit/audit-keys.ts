import { deriveKey } from '../common/crypto/derived-keys.js';
import { keyedLinkHasher, type LinkHasher } from './audit-chain.js';

/**
 * The keys that anchor the audit trail, derived from the KEK: one links the chain, one signs
 * checkpoints. Neither is stored anywhere, so write access to the database (or to the
 * checkpoint's ConfigMap) is not enough to forge what verify accepts.
 */
export class AuditKeys {
  readonly link: LinkHasher;
  readonly checkpoint: Buffer;

  constructor(encryptionKey: Buffer) {
    this.link = keyedLinkHasher(deriveKey(encryptionKey, 'audit-chain'));
    this.checkpoint = deriveKey(encryptionKey, 'audit-checkpoint');
  }
}
