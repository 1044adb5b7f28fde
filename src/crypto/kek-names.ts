import { Column, DataSource, Entity, PrimaryColumn } from 'typeorm';
import type { KeyRing } from './key-ring.js';

/** The name a key-encryption key was last configured under, by its stored id. */
@Entity({ name: 'kek_names' })
export class KekNameEntity {
  @PrimaryColumn({ name: 'kek_id', type: 'varchar', length: 32 })
  kekId: string;

  @Column({ type: 'varchar', length: 64 })
  name: string;

  @Column({ name: 'recorded_at', type: Date })
  recordedAt: Date;
}

/**
 * Records the names of the configured keys and gives the ring every name recorded so far, so a
 * key removed from the configuration is still reported by the name the operator gave it.
 */
export async function recallKekNames(dataSource: DataSource, ring: KeyRing, now: Date): Promise<void> {
  const rows = dataSource.getRepository(KekNameEntity);
  const configured = ring.configured.map((kek) => ({ kekId: kek.id, name: kek.name, recordedAt: now }));
  await rows.upsert(configured, ['kekId']);
  ring.recallNames((await rows.find()).map((row) => [row.kekId, row.name] as const));
}
