import { createHash } from 'node:crypto';
import type { EncryptionKeys } from '../config/app-config.js';
import { open, seal } from './aead.js';

/** A key-encryption key: the operator's name for it, and the id stored beside what it wraps. */
export interface Kek {
  readonly name: string;
  /** A hash of the key itself: renaming a key in the configuration changes nothing stored. */
  readonly id: string;
  readonly key: Buffer;
}

/** What a KEK wrapped, with the id of the KEK. */
export interface WrappedKey {
  readonly kekId: string;
  readonly wrapped: string;
}

/** The stored id of a KEK (the scheme the single-key broker has always written). */
export function kekIdOf(key: Buffer): string {
  return createHash('sha256').update(key).digest('hex').slice(0, 16);
}

/**
 * The configured KEKs. New keys are wrapped by the active one; anything wrapped by any configured
 * key can be unwrapped, so a key is removed only once nothing stored is under it (kek:rewrap).
 */
export class KeyRing {
  readonly active: Kek;
  readonly configured: readonly Kek[];
  private readonly byId: ReadonlyMap<string, Kek>;
  /** Names keys had when they were configured, by id, including keys no longer configured. */
  private readonly namesById = new Map<string, string>();

  constructor(config: EncryptionKeys) {
    const keks = [...config.keys].map(([name, key]) => ({ name, id: kekIdOf(key), key }));
    this.configured = keks;
    this.byId = new Map(keks.map((kek) => [kek.id, kek]));
    this.active = keks.find((kek) => kek.name === config.active) as Kek;
  }

  /** Takes the names keys were once configured under, so a missing one is named as the operator knew it. */
  recallNames(names: Iterable<readonly [string, string]>): void {
    for (const [kekId, name] of names) this.namesById.set(kekId, name);
  }

  /** A stored KEK id as an operator knows it: `key-a (stored id 3f2a…)`, or the id alone if never named here. */
  describe(kekId: string): string {
    const name = this.byId.get(kekId)?.name ?? this.namesById.get(kekId);
    return name === undefined ? kekId : `${name} (stored id ${kekId})`;
  }

  /** The key with this stored id, if configured. */
  keyOf(kekId: string | undefined): Buffer | undefined {
    return kekId === undefined ? undefined : this.byId.get(kekId)?.key;
  }

  wrap(key: Buffer, associatedData: string): WrappedKey {
    return { kekId: this.active.id, wrapped: seal(this.active.key, key, associatedData) };
  }

  unwrap(wrapped: WrappedKey, associatedData: string): Buffer {
    const kek = this.byId.get(wrapped.kekId);
    if (!kek) throw new Error(`Wrapped by key-encryption key ${this.describe(wrapped.kekId)}, which is not configured`);
    return open(kek.key, wrapped.wrapped, associatedData);
  }

  /** The same key, wrapped by the active KEK (unchanged if it already is). */
  rewrap(wrapped: WrappedKey, associatedData: string): WrappedKey {
    if (wrapped.kekId === this.active.id) return wrapped;
    const key = this.unwrap(wrapped, associatedData);
    try {
      return this.wrap(key, associatedData);
    } finally {
      key.fill(0);
    }
  }
}
