import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import type { WorkloadKind } from '../../cluster/cluster.gateway.js';

/** A batch of consumer restarts a rotation left for later (`restartIntervalSeconds` after the one before). */
@Entity({ name: 'restart_batches' })
@Index('idx_restart_batches_due', ['dueAt'])
export class RestartBatchEntity {
  @PrimaryColumn({ type: 'varchar', length: 36 })
  id: string;

  @Column({ type: 'varchar', length: 63 })
  namespace: string;

  /** The rotated secret (for the log). */
  @Column({ name: 'secret_name', type: 'varchar', length: 253 })
  secretName: string;

  @Column({ type: 'simple-json' })
  workloads: Array<{ kind: WorkloadKind; name: string }>;

  @Column({ name: 'due_at', type: Date })
  dueAt: Date;

  /** Taken by a replica running it; a claim older than a minute is taken over (that replica stopped). */
  @Column({ name: 'claimed_at', type: Date, nullable: true })
  claimedAt: Date | null;
}
