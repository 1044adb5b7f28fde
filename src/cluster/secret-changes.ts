/** Called with the namespace and name of a Secret that was added, changed or deleted in the cluster. */
export type SecretChangeListener = (namespace: string, name: string) => void;

/**
 * Notifications of Secret changes the watch sees, whoever made them (the broker's own writes
 * included). Without a watch (WATCH_SECRETS=false) nothing is announced, and callers compare
 * periodically instead.
 */
export abstract class SecretChangeFeed {
  /** Returns the function that unsubscribes. */
  abstract subscribe(listener: SecretChangeListener): () => void;
}

/** The feed where no watch runs. */
export class NoSecretChanges extends SecretChangeFeed {
  subscribe(): () => void {
    return () => undefined;
  }
}
