import { createHash } from 'node:crypto';
import { LRUCache } from 'lru-cache';

/** What a verified token says about its bearer. */
export interface VerifiedIdentity {
  readonly subject: string;
  readonly groups: readonly string[];
}

interface Entry extends VerifiedIdentity {
  readonly expiresAtMs: number;
}

/**
 * Identities of tokens whose signature and claims were verified, so a token presented again is
 * not verified again. Keyed by the token's SHA-256 digest: the cache never holds a token, and
 * only the exact bytes that were verified (signature included) find an entry. An entry lasts
 * until the token's `exp` at most; failed verifications are never remembered.
 */
export class VerifiedTokens {
  private readonly entries: LRUCache<string, Entry> | undefined;

  /** `maxEntries` 0 disables the cache. */
  constructor(
    maxEntries: number,
    private readonly now: () => number = Date.now,
  ) {
    this.entries = maxEntries > 0 ? new LRUCache<string, Entry>({ max: maxEntries }) : undefined;
  }

  get size(): number {
    return this.entries?.size ?? 0;
  }

  lookup(token: string): VerifiedIdentity | undefined {
    if (!this.entries) return undefined;
    const key = digestOf(token);
    const entry = this.entries.get(key);
    if (entry === undefined) return undefined;
    // The LRU's own ttl runs on a monotonic clock; `exp` is wall-clock time, and decides.
    if (entry.expiresAtMs <= this.now()) {
      this.entries.delete(key);
      return undefined;
    }
    return { subject: entry.subject, groups: entry.groups };
  }

  /** Remembers a verified token until `expSeconds` (its `exp` claim). */
  remember(token: string, identity: VerifiedIdentity, expSeconds: number): void {
    if (!this.entries) return;
    const expiresAtMs = expSeconds * 1000;
    const ttl = Math.ceil(expiresAtMs - this.now());
    if (!(ttl > 0)) return;
    const entry = { subject: identity.subject, groups: [...identity.groups], expiresAtMs };
    this.entries.set(digestOf(token), entry, { ttl });
  }
}

function digestOf(token: string): string {
  return createHash('sha256').update(token).digest('base64url');
}
