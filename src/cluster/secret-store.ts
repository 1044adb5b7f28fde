import type { V1Secret } from '@kubernetes/client-node';
import type { LabelMatcher } from './label-selector.js';

/**
 * The secrets a watch keeps current, as the API server sent them: the very objects the informer
 * holds (base64 data, shared rather than copied), keyed by namespace and name. Each is replaced
 * only by a newer resourceVersion, whichever way it arrives (list, watch event, the broker's own
 * write, a read from the API server), so a late watch event never undoes a write. What the store
 * does not know — a name it has never seen, a write whose outcome is unknown — is read from the
 * API server; only the broker's own deletes are remembered as absences.
 */
export type Lookup = { readonly known: true; readonly secret: V1Secret | undefined } | { readonly known: false };

/** Taken before a read from the API server, handed back with its answer. */
export interface ReadTicket {
  readonly invalidation: number | undefined;
  readonly entry: unknown;
}

/** A secret the broker deleted while it was at `resourceVersion`: absent until something newer is seen. */
class Tombstone {
  constructor(readonly resourceVersion: string) {}
}

type Entry = V1Secret | Tombstone;

const UNKNOWN: Lookup = { known: false };

export class SecretStore {
  private readonly namespaces = new Map<string, Map<string, Entry>>();
  /** Secrets whose last write failed (the write may have landed): key → invalidation number. */
  private readonly invalidated = new Map<string, number>();
  private invalidations = 0;
  private secrets = 0;

  /** `watched`: whether the watch (its label selector) keeps an object with these labels current. */
  constructor(private readonly watched: LabelMatcher = () => true) {}

  /** How many secrets are held. */
  get size(): number {
    return this.secrets;
  }

  lookup(namespace: string, name: string): Lookup {
    if (this.invalidated.has(keyOf(namespace, name))) return UNKNOWN;
    const entry = this.namespaces.get(namespace)?.get(name);
    if (entry === undefined) return UNKNOWN;
    return { known: true, secret: entry instanceof Tombstone ? undefined : entry };
  }

  /** A listed object or an ADDED/MODIFIED event: kept unless the store holds something as new. */
  observe(secret: V1Secret): void {
    const { namespace, name, resourceVersion } = identity(secret);
    const current = this.namespaces.get(namespace)?.get(name);
    if (current !== undefined && !isNewer(resourceVersion, versionOf(current))) return;
    this.set(namespace, name, secret);
  }

  /** A DELETED event (at the deletion's resourceVersion): forgotten unless the store holds something newer. */
  observeDeleted(secret: V1Secret): void {
    const { namespace, name, resourceVersion } = identity(secret);
    const current = this.namespaces.get(namespace)?.get(name);
    if (current !== undefined && !isNewer(versionOf(current), resourceVersion)) this.remove(namespace, name);
  }

  /** The answer to the broker's own create or replace, served at once (read-your-writes). */
  written(secret: V1Secret): void {
    const { namespace, name } = identity(secret);
    this.invalidated.delete(keyOf(namespace, name));
    // An object outside the watch's selector would never be updated: it is read from the API server.
    if (this.watched(secret.metadata?.labels ?? {})) this.observe(secret);
    else this.remove(namespace, name);
  }

  /** The broker deleted the object, which was at `resourceVersion`. */
  deleted(namespace: string, name: string, resourceVersion: string): void {
    this.invalidated.delete(keyOf(namespace, name));
    const current = this.namespaces.get(namespace)?.get(name);
    if (current === undefined || !isNewer(versionOf(current), resourceVersion)) {
      this.set(namespace, name, new Tombstone(resourceVersion));
    }
  }

  /** A write that failed may still have landed: reads go to the API server until one answers. */
  invalidate(namespace: string, name: string): void {
    this.invalidated.set(keyOf(namespace, name), ++this.invalidations);
  }

  ticket(namespace: string, name: string): ReadTicket {
    return {
      invalidation: this.invalidated.get(keyOf(namespace, name)),
      entry: this.namespaces.get(namespace)?.get(name),
    };
  }

  /** The API server's answer for one secret, read with `ticket`. */
  answered(namespace: string, name: string, ticket: ReadTicket, secret: V1Secret | undefined): void {
    const key = keyOf(namespace, name);
    // Settled, unless another write failed while this read was under way.
    if (ticket.invalidation !== undefined && this.invalidated.get(key) === ticket.invalidation) {
      this.invalidated.delete(key);
    }
    if (secret !== undefined) {
      if (this.watched(secret.metadata?.labels ?? {})) this.observe(secret);
      return;
    }
    // Gone: what was held when the read began is older than the deletion, unless the watch has moved on since.
    const current = this.namespaces.get(namespace)?.get(name);
    if (current !== undefined && current === ticket.entry && !(current instanceof Tombstone)) {
      this.set(namespace, name, new Tombstone(versionOf(current)));
    }
  }

  /**
   * A (re)list of one namespace (every namespace when `namespace` is undefined) at
   * `listVersion`: the store becomes the list, except for what is newer than the list.
   */
  relisted(namespace: string | undefined, items: readonly V1Secret[], listVersion: string): void {
    for (const item of items) this.observe(item);
    const listed = new Set(items.map((item) => keyOf(item.metadata?.namespace ?? '', item.metadata?.name ?? '')));
    const scope = namespace === undefined ? [...this.namespaces.keys()] : [namespace];
    for (const space of scope) {
      for (const [name, entry] of this.namespaces.get(space) ?? []) {
        const newerThanList = listVersion !== '' && isNewer(versionOf(entry), listVersion);
        if (!listed.has(keyOf(space, name)) && !newerThanList) this.remove(space, name);
      }
    }
  }

  private set(namespace: string, name: string, entry: Entry): void {
    let names = this.namespaces.get(namespace);
    if (!names) {
      names = new Map<string, Entry>();
      this.namespaces.set(namespace, names);
    }
    const previous = names.get(name);
    names.set(name, entry);
    this.secrets += isSecret(entry) - (previous === undefined ? 0 : isSecret(previous));
  }

  private remove(namespace: string, name: string): void {
    const names = this.namespaces.get(namespace);
    const previous = names?.get(name);
    if (!names || previous === undefined) return;
    names.delete(name);
    this.secrets -= isSecret(previous);
    if (names.size === 0) this.namespaces.delete(namespace);
  }
}

/**
 * Whether resourceVersion `a` is newer than `b`. They are opaque to clients in general but etcd
 * revisions (decimal integers) in practice, compared as such; anything else counts as newer when different.
 */
export function isNewer(a: string, b: string): boolean {
  const decimal = /^\d+$/;
  if (!decimal.test(a) || !decimal.test(b)) return a !== b;
  return a.length !== b.length ? a.length > b.length : a > b;
}

function identity(secret: V1Secret): { namespace: string; name: string; resourceVersion: string } {
  return {
    namespace: secret.metadata?.namespace ?? '',
    name: secret.metadata?.name ?? '',
    resourceVersion: secret.metadata?.resourceVersion ?? '',
  };
}

function versionOf(entry: Entry): string {
  return entry instanceof Tombstone ? entry.resourceVersion : (entry.metadata?.resourceVersion ?? '');
}

function isSecret(entry: Entry): number {
  return entry instanceof Tombstone ? 0 : 1;
}

function keyOf(namespace: string, name: string): string {
  return `${namespace}/${name}`;
}
