/**
 * A table whose finished rows are removed once they are older than a setting. The list is the
 * whole configuration of retention: another table (the access requests, when they arrive) joins
 * with one more entry, and its RETENTION_<NAME>_DAYS setting is read for it.
 */
export interface RetentionRule {
  /** `RETENTION_<NAME>_DAYS` sets it (upper-case), and logs and metrics name it. */
  readonly name: string;
  readonly table: string;
  /** Primary key: rows are deleted in batches by it. */
  readonly key: string;
  /** When a row finished: its age counts from here. Rows where this is NULL are never removed. */
  readonly finishedAt: string;
  /** A further condition a finished row meets (SQL on the table's columns). */
  readonly finished?: string;
  /** Kept this long unless the setting says otherwise; 0 keeps rows forever. */
  readonly defaultDays: number;
}

export const RETENTION_RULES: readonly RetentionRule[] = [
  // Dispatched lifecycle events: the outbox; deliveries keep their own copy of the body.
  { name: 'outbox', table: 'lifecycle_events', key: 'id', finishedAt: 'dispatched_at', defaultDays: 7 },
  // Delivered, or given up (after which a redelivery is no longer possible).
  {
    name: 'webhook_deliveries',
    table: 'webhook_deliveries',
    key: 'id',
    finishedAt: 'COALESCE(delivered_at, created_at)',
    finished: "state IN ('delivered', 'failed')",
    defaultDays: 30,
  },
  // Revoked or expired leases (their tokens died with their owner objects).
  { name: 'leases', table: 'leases', key: 'id', finishedAt: 'ended_at', defaultDays: 30 },
];

/** The setting of a rule: `RETENTION_WEBHOOK_DELIVERIES_DAYS` for `webhook_deliveries`. */
export function retentionSetting(rule: Pick<RetentionRule, 'name'>): string {
  return `RETENTION_${rule.name.toUpperCase()}_DAYS`;
}
