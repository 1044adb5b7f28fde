/** Metadata the broker puts on the Secrets it writes (never values). */
export const MANAGED_BY_LABEL = 'app.kubernetes.io/managed-by';
export const MANAGED_BY_VALUE = 'secrets-broker';
/** The broker version a Secret holds; the reconciler and If-Match read it back. */
export const VERSION_ANNOTATION = 'secrets-broker.io/version';
