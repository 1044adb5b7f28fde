/** Metadata the broker puts on the Secrets it writes (never values). */
export const MANAGED_BY_LABEL = 'app.kubernetes.io/managed-by';
export const MANAGED_BY_VALUE = 'secrets-broker';
/** The broker version a Secret holds; reads, the reconciler and If-Match read it back. */
export const VERSION_ANNOTATION = 'secrets-broker.io/version';

/** The broker version written into a Secret's annotations; null for one the broker never wrote. */
export function versionOf(annotations: Readonly<Record<string, string>>): number | null {
  const text = annotations[VERSION_ANNOTATION];
  return text !== undefined && /^[1-9][0-9]{0,8}$/.test(text) ? Number(text) : null;
}

/** A Secret's labels with the broker's managed-by label added. */
export function managedLabels(labels: Readonly<Record<string, string>>): Record<string, string> {
  return { ...labels, [MANAGED_BY_LABEL]: MANAGED_BY_VALUE };
}
