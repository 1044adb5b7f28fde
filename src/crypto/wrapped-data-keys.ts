/** What one batch of a re-wrap did to the data keys of one kind. */
export interface RewrappedBatch {
  /** The id of the last row looked at: the next batch starts after it. */
  readonly last: string;
  /** Data keys now wrapped by the active KEK. */
  readonly rewrapped: number;
  /** Rows that changed under the run (dropped, replaced or re-wrapped by another run). */
  readonly skipped: number;
}

/**
 * Data keys a domain stores wrapped by a key-encryption key: the port through which kek:rewrap
 * and the start-up check reach every domain's stored keys without knowing its tables.
 */
export interface WrappedDataKeys {
  /** What the data keys protect, for the audit trail. */
  readonly kind: string;
  /** The ids of the KEKs that wrap any of them now. */
  kekIdsInUse(): Promise<string[]>;
  /** Re-wraps up to `limit` data keys of rows after `after` (by id) not under the active KEK; undefined when none is left. */
  rewrapAfter(after: string, limit: number): Promise<RewrappedBatch | undefined>;
}
