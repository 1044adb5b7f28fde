/**
 * A table whose finished rows are removed once they are older than a setting. The list is the
 * whole configuration of retention: another table joins with one more entry, and its
 * RETENTION_<NAME>_DAYS setting is read for it.
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
  /** Rows of other tables that belong to a removed row (by their foreign key), removed with it. */
  readonly dependents?: readonly { readonly table: string; readonly foreignKey: string }[];
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
  // Ended access requests: resolved without a grant, or their grant revoked or past its expiry.
  // They are who-held-what history, so kept forever unless set; a break-glass use still waiting
  // for its post-review is never removed.
  {
    name: 'access_requests',
    table: 'access_requests',
    key: 'id',
    finishedAt: 'COALESCE(revoked_at, grant_expires_at, resolved_at)',
    finished: "state <> 'pending' AND (break_glass = FALSE OR post_review_outcome IS NOT NULL)",
    defaultDays: 0,
    dependents: [{ table: 'access_request_reviews', foreignKey: 'request_id' }],
  },
];

/** The setting of a rule: `RETENTION_WEBHOOK_DELIVERIES_DAYS` for `webhook_deliveries`. */
export function retentionSetting(rule: Pick<RetentionRule, 'name'>): string {
  return `RETENTION_${rule.name.toUpperCase()}_DAYS`;
}
