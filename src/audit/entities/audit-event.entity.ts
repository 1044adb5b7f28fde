import { Column, Entity, PrimaryColumn, type ValueTransformer } from 'typeorm';
import type { ChainedEvent } from '../audit-chain.js';

// PostgreSQL returns bigint as a string; ids stay far below 2^53, so a number is exact.
const bigintAsNumber: ValueTransformer = {
  to: (value: number | null | undefined) => value,
  from: (value: string | number | null) => (value === null ? null : Number(value)),
};

/** One stored audit event; rows are only ever inserted (by AuditEventStore), never updated, except once when a legacy chain is re-keyed. */
@Entity({ name: 'audit_events' })
export class AuditEventEntity implements ChainedEvent {
  @PrimaryColumn({ type: 'bigint', transformer: bigintAsNumber })
  id: number;

  @Column({ type: Date })
  time: Date;

  @Column({ name: 'request_id', type: 'varchar', length: 128 })
  requestId: string;

  @Column({ type: 'varchar', length: 320 })
  subject: string;

  @Column({ type: 'varchar', length: 64 })
  action: string;

  @Column({ type: 'varchar', length: 16 })
  outcome: string;

  @Column({ type: 'varchar', length: 63, nullable: true })
  namespace: string | null;

  @Column({ type: 'varchar', length: 253, nullable: true })
  name: string | null;

  @Column({ type: 'integer', nullable: true })
  version: number | null;

  /** JSON array of grant ids, kept as the exact text that was hashed. */
  @Column({ name: 'matched_grants', type: 'text' })
  matchedGrants: string;

  @Column({ type: 'varchar', length: 1024, nullable: true })
  reason: string | null;

  @Column({ name: 'source_ip', type: 'varchar', length: 64, nullable: true })
  sourceIp: string | null;

  @Column({ name: 'user_agent', type: 'varchar', length: 512, nullable: true })
  userAgent: string | null;

  @Column({ name: 'latency_ms', type: 'double precision', nullable: true })
  latencyMs: number | null;

  @Column({ name: 'intent_id', type: 'bigint', nullable: true, transformer: bigintAsNumber })
  intentId: number | null;

  /** Canonical JSON object of short scalars, kept as the exact text that was hashed. */
  @Column({ type: 'text', nullable: true })
  details: string | null;

  @Column({ name: 'prev_hash', type: 'varchar', length: 64 })
  prevHash: string;

  @Column({ type: 'varchar', length: 64 })
  hash: string;
}
