import { Column, CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';
import type { Verb } from '../../common/vocabulary/verbs.js';

@Entity({ name: 'roles' })
export class RoleEntity {
  @PrimaryColumn({ type: 'varchar', length: 63 })
  name: string;

  @Column({ type: 'simple-json' })
  verbs: Verb[];

  @Column({ name: 'built_in', type: 'boolean', default: false })
  builtIn: boolean;

  @Column({ type: 'varchar', length: 1024, nullable: true })
  description: string | null;

  /** The longest lease (seconds) any grant of this role allows; null: no cap. */
  @Column({ name: 'max_lease_ttl_seconds', type: 'integer', nullable: true })
  maxLeaseTtlSeconds: number | null;

  // No explicit type: TypeORM maps Date per driver; the migration declares timestamptz on PostgreSQL.
  @CreateDateColumn({ name: 'created_at' })
  createdAt: Date;
}
