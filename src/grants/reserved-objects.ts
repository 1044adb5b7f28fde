/** Owner objects of leases: `broker-lease-<lease id>`, one per lease, in the ServiceAccount's namespace. */
export const LEASE_OWNER_PREFIX = 'broker-lease-';
const LEASE_OWNER = /^broker-lease-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** The broker's own objects, by namespace and name: nobody's grants reach them. */
export interface ReservedObjects {
  /** Namespace → names reserved there (its ServiceAccount, configuration Secret, checkpoint ConfigMap). */
  readonly byNamespace: ReadonlyMap<string, ReadonlySet<string>>;
}

export function reservedObjects(entries: ReadonlyArray<{ namespace: string; name: string }>): ReservedObjects {
  const byNamespace = new Map<string, Set<string>>();
  for (const { namespace, name } of entries) {
    byNamespace.set(namespace, (byNamespace.get(namespace) ?? new Set()).add(name));
  }
  return { byNamespace };
}

/**
 * Why `target` is the broker's own, or undefined. Decided by name alone (kind aside: a Secret
 * named like the broker's ServiceAccount is refused too), so the answer never depends on what
 * exists and a refusal reveals nothing.
 */
export function reservedReason(
  reserved: ReservedObjects | undefined,
  target: { readonly namespace: string; readonly name: string },
): string | undefined {
  if (LEASE_OWNER.test(target.name)) return `${target.namespace}/${target.name} is a lease's owner object`;
  if (reserved?.byNamespace.get(target.namespace)?.has(target.name)) {
    return `${target.namespace}/${target.name} is reserved for the broker itself`;
  }
  return undefined;
}
