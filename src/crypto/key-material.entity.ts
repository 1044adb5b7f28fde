import { Column, Entity, PrimaryColumn } from 'typeorm';

/** A key the broker keeps, wrapped by a key-encryption key (never in the clear). */
@Entity({ name: 'key_material' })
export class KeyMaterialEntity {
  @PrimaryColumn({ type: 'varchar', length: 63 })
  name: string;

  @Column({ name: 'kek_id', type: 'varchar', length: 32 })
  kekId: string;

  @Column({ name: 'wrapped_key', type: 'text' })
  wrappedKey: string;

  /** Every KEK id it has been wrapped by; null until recorded. */
  @Column({ name: 'exposed_kek_ids', type: 'simple-json', nullable: true })
  exposedKekIds: string[] | null;

  @Column({ name: 'updated_at', type: Date })
  updatedAt: Date;
}
