import type { DerivedKeys } from '../crypto/derived-keys.js';
import { keyedLinkHasher, type LinkHasher } from './audit-chain.js';

/**
 * The keys that anchor the audit trail, derived from the derivation root (not the KEK, so they outlive a KEK rotation): one links the chain, one signs
 * checkpoints. Neither is stored anywhere, so write access to the database (or to the
 * checkpoint's ConfigMap) is not enough to forge what verify accepts.
 */
export class AuditKeys {
  readonly link: LinkHasher;
  readonly checkpoint: Buffer;

  constructor(keys: DerivedKeys) {
    this.link = keyedLinkHasher(keys.key('audit-chain'));
    this.checkpoint = keys.key('audit-checkpoint');
  }
}
