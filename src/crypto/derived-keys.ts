import { createHmac, hkdfSync, randomBytes } from 'node:crypto';
import type { DataSource, Repository } from 'typeorm';
import { KeyMaterialEntity } from './key-material.entity.js';
import { kekIdOf, type KeyRing, type WrappedKey } from './key-ring.js';

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
const EPOCH_PREFIX = 'audit-epoch-';
const epochName = (epoch: number) => `${EPOCH_PREFIX}${epoch}`;
const epochContext = (epoch: number) => `secrets-broker audit key epoch ${epoch}`;
/** The audit chain and checkpoints have their own keys per epoch; the others never change. */
export type AuditKeyPurpose = Extract<KeyPurpose, 'audit-chain' | 'audit-checkpoint'>;

/**
 * The keys derived for fingerprints, cursors and the audit chain. They come from a root that does
 * not change when the KEK does (a new root would break every stored fingerprint comparison and
 * every chain link written before): the root is stored in `key_material`, wrapped by a KEK like
 * any data key, and re-wrapped by kek:rewrap. A fresh installation draws a random root at its
 * first start, so holding a KEK alone (without the database) derives nothing. A broker from before
 * the root existed keeps the bytes of the KEK it derived everything from as its root, so what it
 * derived before still verifies; that KEK itself can then be removed.
 *
 * The audit chain and checkpoint keys move on in epochs. Each stored root remembers every KEK it
 * was ever wrapped by; once one of those is no longer configured (retired), whoever keeps it could
 * open the root from an old backup, so the broker draws a new random root for a new epoch (epoch 0
 * is the derivation root itself) and the chain records where it begins.
 */
export class DerivedKeys {
  private constructor(
    private readonly root: Buffer,
    private readonly epochRoots: readonly Buffer[],
  ) {}

  static async load(dataSource: DataSource, ring: KeyRing): Promise<DerivedKeys> {
    const rows = dataSource.getRepository(KeyMaterialEntity);
    let stored = await rows.findOneBy({ name: DERIVATION_ROOT });
    if (!stored) {
      const root = await initialRoot(dataSource, ring);
      const wrapped = ring.wrap(root, ROOT_CONTEXT);
      // Replicas starting together: the first insert wins and everyone uses what it stored.
      await insertOnce(rows, DERIVATION_ROOT, wrapped, exposureOf(root, wrapped.kekId, ring));
      stored = await rows.findOneByOrFail({ name: DERIVATION_ROOT });
    }
    const root = ring.unwrap({ kekId: stored.kekId, wrapped: stored.wrappedKey }, ROOT_CONTEXT);
    if (stored.exposedKekIds === null) {
      await rows.update({ name: DERIVATION_ROOT }, { exposedKekIds: exposureOf(root, stored.kekId, ring) });
    }
    const epochRoots = await loadEpochRoots(dataSource, ring);
    const current = epochRoots.length;
    const newest = await rows.findOneByOrFail({ name: current === 0 ? DERIVATION_ROOT : epochName(current) });
    if ((newest.exposedKekIds ?? [newest.kekId]).some((kekId) => ring.keyOf(kekId) === undefined)) {
      const epoch = current + 1;
      const wrapped = ring.wrap(randomBytes(32), epochContext(epoch));
      await insertOnce(rows, epochName(epoch), wrapped, [wrapped.kekId]);
      return new DerivedKeys(root, await loadEpochRoots(dataSource, ring));
    }
    return new DerivedKeys(root, epochRoots);
  }

  /** Re-wraps every stored root under the active KEK, remembering that it was; true when any was under another one. */
  static async rewrapRoot(dataSource: DataSource, ring: KeyRing): Promise<boolean> {
    const rows = dataSource.getRepository(KeyMaterialEntity);
    let rewrapped = false;
    for (const stored of await rows.find()) {
      if (stored.name !== DERIVATION_ROOT && !stored.name.startsWith(EPOCH_PREFIX)) continue;
      if (stored.kekId === ring.active.id) continue;
      const context = stored.name === DERIVATION_ROOT ? ROOT_CONTEXT : epochContext(epochOf(stored.name));
      const next = ring.rewrap({ kekId: stored.kekId, wrapped: stored.wrappedKey }, context);
      const exposed = [...new Set([...(stored.exposedKekIds ?? [stored.kekId]), next.kekId])];
      const result = await rows.update(
        { name: stored.name, kekId: stored.kekId },
        { kekId: next.kekId, wrappedKey: next.wrapped, exposedKekIds: exposed, updatedAt: new Date() },
      );
      rewrapped ||= (result.affected ?? 0) > 0;
    }
    return rewrapped;
  }

  key(purpose: KeyPurpose): Buffer {
    // Fingerprints were first keyed this way; changing the formula would orphan every stored one.
    if (purpose === 'fingerprint') {
      return createHmac('sha256', this.root).update('secrets-broker fingerprint key v1').digest();
    }
    return deriveKey(this.root, purpose);
  }

  /** The newest audit key epoch (0: the derivation root's own keys). */
  get auditEpoch(): number {
    return this.epochRoots.length;
  }

  /** An audit key of `epoch` (by default the newest). */
  auditKey(purpose: AuditKeyPurpose, epoch = this.auditEpoch): Buffer {
    return epoch === 0 ? this.key(purpose) : deriveKey(this.epochRoots[epoch - 1], purpose);
  }
}

async function insertOnce(
  rows: Repository<KeyMaterialEntity>,
  name: string,
  wrapped: WrappedKey,
  exposedKekIds: string[],
): Promise<void> {
  await rows
    .createQueryBuilder()
    .insert()
    .values({ name, kekId: wrapped.kekId, wrappedKey: wrapped.wrapped, exposedKekIds, updatedAt: new Date() })
    .orIgnore()
    .execute();
}

/** The epoch roots 1, 2, … in order. */
async function loadEpochRoots(dataSource: DataSource, ring: KeyRing): Promise<Buffer[]> {
  const rows = (await dataSource.getRepository(KeyMaterialEntity).find())
    .filter((row) => row.name.startsWith(EPOCH_PREFIX))
    .sort((a, b) => epochOf(a.name) - epochOf(b.name));
  return rows.map((row) => ring.unwrap({ kekId: row.kekId, wrapped: row.wrappedKey }, epochContext(epochOf(row.name))));
}

function epochOf(name: string): number {
  return Number(name.slice(EPOCH_PREFIX.length));
}

/**
 * The KEKs a root is known to be exposed to: the one wrapping it, and the KEK it is itself when it
 * is a configured KEK's bytes (the root an upgraded broker kept).
 */
function exposureOf(root: Buffer, wrappedBy: string, ring: KeyRing): string[] {
  const itself = kekIdOf(root);
  return ring.keyOf(itself) === undefined ? [wrappedBy] : [...new Set([wrappedBy, itself])];
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
