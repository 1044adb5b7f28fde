/** How one watch of secrets stands: listing (first list), watching, relisting (after 410 Gone) or lost (restarting). */
export type WatchState = 'listing' | 'watching' | 'relisting' | 'lost';

/** Counts only: /readyz is public, so it names no namespace (the log says which watch failed, and why). */
export interface SecretCacheState {
  /** WATCH_SECRETS. */
  readonly enabled: boolean;
  /** One per managed namespace, or one for every namespace. */
  readonly watches: number;
  /** Watches that have completed their first list. */
  readonly listed: number;
  /** Watches watching now; reads of a namespace whose watch is not go to the API server. */
  readonly watching: number;
  readonly cachedSecrets: number;
  /** Watches dropped (and listed again) since start because nothing, not even a bookmark, arrived within the heartbeat deadline. */
  readonly silentWatchesDropped: number;
}

/** What readiness needs to know of the secret cache (DI token). */
export abstract class SecretCacheStatus {
  abstract state(): SecretCacheState;
  /** Whether every watched secret can be answered from memory now (watching, or lost within the staleness bound). */
  abstract servesFromCache(): boolean;
}
