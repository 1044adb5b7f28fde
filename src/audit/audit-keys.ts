import type { DataSource } from 'typeorm';
import type { DerivedKeys } from '../crypto/derived-keys.js';
import { keyedLinkHasher, type ChainedEvent, type LinkHasher, type UnsealedEvent } from './audit-chain.js';
import { toUnsealedEvent } from './audit-event.js';
import type { AuditEventStore } from './audit-event.store.js';

export type EpochWalk = LinkHasher & { readonly epoch: number; resume(epoch: number): void };

/** Who records the start of a key epoch in the chain. */
export const KEY_EPOCH_SUBJECT = 'system:key-epoch';

/**
 * The keys that anchor the audit trail, derived from the derivation root (not the KEK, so they outlive a KEK rotation): one links the chain, one signs
 * checkpoints. Neither is stored anywhere, so write access to the database (or to the
 * checkpoint's ConfigMap) is not enough to forge what verify accepts.
 *
 * Both belong to the newest key epoch (see DerivedKeys). The first event of an epoch is its
 * marker, linked under the new key: a walk switches keys there, so events after it verify only
 * under the new key, and a retired KEK, which could open the older roots, forges nothing after it.
 */
export class AuditKeys {
  readonly epoch: number;
  readonly link: LinkHasher;
  readonly checkpoint: Buffer;
  /** Checkpoint keys of the epochs before the newest, newest first. */
  readonly retiredCheckpointKeys: readonly Buffer[];
  private readonly links: readonly LinkHasher[];

  constructor(keys: DerivedKeys) {
    this.epoch = keys.auditEpoch;
    const epochs = Array.from({ length: this.epoch + 1 }, (_, epoch) => epoch);
    this.links = epochs.map((epoch) => keyedLinkHasher(keys.auditKey('audit-chain', epoch)));
    this.link = this.links[this.epoch];
    this.checkpoint = keys.auditKey('audit-checkpoint');
    this.retiredCheckpointKeys = epochs
      .slice(0, -1)
      .reverse()
      .map((epoch) => keys.auditKey('audit-checkpoint', epoch));
  }

  /**
   * A hasher for a walk of the chain from its first event (or from a point where `from` was in
   * effect, such as the start of a pruned chain): epoch 0's key until a marker of a later epoch,
   * that epoch's key from the marker on. `epoch` tells where the walk has got to; `resume` moves
   * it to a point where another epoch was in effect (the walk skipped a segment).
   */
  walk(from = 0): EpochWalk {
    let epoch = from;
    const hasher = (event: Omit<ChainedEvent, 'hash'>): string => {
      const marked = markerEpoch(event);
      if (marked !== undefined && marked > epoch && marked < this.links.length) epoch = marked;
      return (this.links[epoch] ?? this.link)(event);
    };
    return Object.defineProperties(hasher, {
      epoch: { get: () => epoch },
      resume: { value: (at: number) => (epoch = at) },
    }) as EpochWalk;
  }
}

/** The marker that begins `epoch` in the chain. */
export function epochMarker(epoch: number, time: Date): UnsealedEvent {
  return toUnsealedEvent(
    {
      actor: {
        subject: KEY_EPOCH_SUBJECT,
        request: { requestId: `key-epoch-${epoch}`, sourceIp: undefined, userAgent: undefined },
      },
      action: 'rewrap',
      outcome: 'succeeded',
      reason: `audit key epoch ${epoch} begins: a key-encryption key that could open the earlier keys was retired`,
      details: { keyEpoch: epoch },
    },
    time,
  );
}

/** The epoch an event marks the start of, if it is a marker. */
export function markerEpoch(event: Pick<UnsealedEvent, 'subject' | 'action' | 'details'>): number | undefined {
  if (event.subject !== KEY_EPOCH_SUBJECT || event.action !== 'rewrap' || event.details === null) return undefined;
  try {
    const epoch = (JSON.parse(event.details) as { keyEpoch?: unknown }).keyEpoch;
    return typeof epoch === 'number' && Number.isSafeInteger(epoch) ? epoch : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Appends the marker of the newest epoch unless the chain holds it: before anything else is
 * appended under the new key (this runs when the store is made, before any module starts).
 */
export async function beginKeyEpoch(dataSource: DataSource, store: AuditEventStore, keys: AuditKeys): Promise<void> {
  if (keys.epoch === 0) return;
  // An integer, safe inline (placeholder syntax differs between the two databases).
  const found = await dataSource.query<unknown[]>(
    `SELECT id FROM audit_events WHERE subject = '${KEY_EPOCH_SUBJECT}' AND details LIKE '%"keyEpoch":${keys.epoch}}%'`,
  );
  // A marker archived and pruned since is recorded by the prune, which names the epoch at its end.
  const pruned = (await store.chainStart())?.keyEpoch ?? 0;
  if (found.length === 0 && pruned < keys.epoch) await store.append([epochMarker(keys.epoch, new Date())]);
}
