import { createHmac, hkdfSync, randomBytes } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { KeyMaterialEntity } from './key-material.entity.js';
import type { KeyRing } from './key-ring.js';

/**
 * What a key derived from the derivation root is for. Each purpose gets its own key, so a value
 * computed for one purpose (a cursor's ciphertext, a fingerprint, an audit link) can never be
 * replayed as another.
 */
export type KeyPurpose = 'fingerprint' | 'cursor' | 'audit-chain' | 'audit-checkpoint';

/** HKDF-SHA-256 (RFC 5869) of a root key, labelled by purpose. The database never holds the result. */
export function deriveKey(root: Buffer, purpose: KeyPurpose): Buffer {
  return Buffer.from(hkdfSync('sha256', root, Buffer.alloc(0), `secrets-broker ${purpose} v1`, 32));
}

const DERIVATION_ROOT = 'derivation-root';
const ROOT_CONTEXT = 'secrets-broker derivation root';

/**
 * The keys derived for fingerprints, cursors and the audit chain. They come from a root that does
 * not change when the KEK does (a new root would break every stored fingerprint comparison and
 * every chain link written before): the root is stored in `key_material`, wrapped by a KEK like
 * any data key, and re-wrapped by kek:rewrap. A fresh installation draws a random root at its
 * first start, so holding a KEK alone (without the database) derives nothing. A broker from before
 * the root existed keeps the bytes of the KEK it derived everything from as its root, so what it
 * derived before still verifies; that KEK itself can then be removed.
 */
export class DerivedKeys {
  private constructor(private readonly root: Buffer) {}

  static async load(dataSource: DataSource, ring: KeyRing): Promise<DerivedKeys> {
    const rows = dataSource.getRepository(KeyMaterialEntity);
    const stored = await rows.findOneBy({ name: DERIVATION_ROOT });
    if (stored) return new DerivedKeys(ring.unwrap({ kekId: stored.kekId, wrapped: stored.wrappedKey }, ROOT_CONTEXT));
    const root = await initialRoot(dataSource, ring);
    const wrapped = ring.wrap(root, ROOT_CONTEXT);
    // Replicas starting together: the first insert wins and everyone uses what it stored.
    await rows
      .createQueryBuilder()
      .insert()
      .values({ name: DERIVATION_ROOT, kekId: wrapped.kekId, wrappedKey: wrapped.wrapped, updatedAt: new Date() })
      .orIgnore()
      .execute();
    const winner = await rows.findOneByOrFail({ name: DERIVATION_ROOT });
    return new DerivedKeys(ring.unwrap({ kekId: winner.kekId, wrapped: winner.wrappedKey }, ROOT_CONTEXT));
  }

  /** Re-wraps the stored root under the active KEK; true when it was under another one. */
  static async rewrapRoot(dataSource: DataSource, ring: KeyRing): Promise<boolean> {
    const rows = dataSource.getRepository(KeyMaterialEntity);
    const stored = await rows.findOneBy({ name: DERIVATION_ROOT });
    if (!stored || stored.kekId === ring.active.id) return false;
    const rewrapped = ring.rewrap({ kekId: stored.kekId, wrapped: stored.wrappedKey }, ROOT_CONTEXT);
    const result = await rows.update(
      { name: DERIVATION_ROOT, kekId: stored.kekId },
      { kekId: rewrapped.kekId, wrappedKey: rewrapped.wrapped, updatedAt: new Date() },
    );
    return (result.affected ?? 0) > 0;
  }

  key(purpose: KeyPurpose): Buffer {
    // Fingerprints were first keyed this way; changing the formula would orphan every stored one.
    if (purpose === 'fingerprint') {
      return createHmac('sha256', this.root).update('secrets-broker fingerprint key v1').digest();
    }
    return deriveKey(this.root, purpose);
  }
}

/**
 * The root of a broker without one. A fresh installation (no fingerprints, no audit chain yet):
 * random bytes. An upgraded one derived its fingerprints and chain links from a KEK: the KEK that
 * wrapped its oldest stored version, else the active KEK.
 */
async function initialRoot(dataSource: DataSource, ring: KeyRing): Promise<Buffer> {
  const [oldest] = await dataSource.query<Array<{ kek_id: string }>>(
    'SELECT kek_id FROM secret_versions WHERE kek_id IS NOT NULL ORDER BY created_at, version LIMIT 1',
  );
  const [anyEvent] = await dataSource.query<unknown[]>('SELECT id FROM audit_events LIMIT 1');
  if (oldest === undefined && anyEvent === undefined) return randomBytes(32);
  return Buffer.from(ring.keyOf(oldest?.kek_id) ?? ring.active.key);
}
