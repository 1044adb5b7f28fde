import type { KObject } from './types.js';

export type EventType = 'ADDED' | 'MODIFIED' | 'DELETED';

export interface StoreEvent {
  type: EventType;
  rv: number;
  key: string;
  object: KObject;
  /** The object before this event; kept so selectors can see objects leave a watch and snapshots can be rebuilt. */
  prev?: KObject;
}

export type Listener = (event: StoreEvent) => void;

export function objectKey(namespace: string | undefined, name: string): string {
  return namespace ? `${namespace}/${name}` : name;
}

/** One resource's objects (by etcd-like key), its recent events and its watchers. */
class Collection {
  readonly objects = new Map<string, KObject>();
  readonly listeners = new Set<Listener>();
  history: StoreEvent[] = [];
  /** Events at or below this resourceVersion are no longer retained (etcd compaction / watch cache window). */
  floor: number;
  private sorted: string[] | null = null;

  constructor(floor: number) {
    this.floor = floor;
  }

  sortedKeys(): string[] {
    this.sorted ??= [...this.objects.keys()].sort();
    return this.sorted;
  }

  invalidateOrder(): void {
    this.sorted = null;
  }
}

/** Everything a store holds that outlives a restart: its objects and where resourceVersions stand. */
export interface StoreContents {
  readonly resourceVersion: number;
  readonly objects: Readonly<Record<string, readonly KObject[]>>;
}

export class Store {
  private rv = 1;
  private readonly collections = new Map<string, Collection>();
  /** Called after every change (persistence hooks in here). */
  onChange: () => void = () => undefined;

  constructor(private readonly historyWindow: number) {}

  /** The objects of every resource, for saving. */
  contents(): StoreContents {
    const objects: Record<string, KObject[]> = {};
    for (const [resource, c] of this.collections) objects[resource] = [...c.objects.values()];
    return { resourceVersion: this.rv, objects };
  }

  /**
   * Loads saved contents into an empty store. No history comes with them, as after an etcd
   * compaction: a watch or continue token from before the restart answers 410.
   */
  restore(contents: StoreContents): void {
    this.rv = contents.resourceVersion;
    for (const [resource, objects] of Object.entries(contents.objects)) {
      const c = this.collection(resource);
      for (const object of objects)
        c.objects.set(objectKey(object.metadata.namespace, object.metadata.name ?? ''), object);
      c.invalidateOrder();
      c.floor = this.rv;
    }
  }

  get resourceVersion(): number {
    return this.rv;
  }

  private collection(resource: string): Collection {
    let c = this.collections.get(resource);
    if (!c) {
      c = new Collection(this.rv);
      this.collections.set(resource, c);
    }
    return c;
  }

  get(resource: string, key: string): KObject | undefined {
    return this.collection(resource).objects.get(key);
  }

  /** Stores `object` (already prepared by the caller) under the next resourceVersion and notifies watchers. */
  put(resource: string, key: string, object: KObject): KObject {
    const c = this.collection(resource);
    const prev = c.objects.get(key);
    this.rv += 1;
    object.metadata.resourceVersion = String(this.rv);
    if (!prev) c.invalidateOrder();
    c.objects.set(key, object);
    this.record(c, { type: prev ? 'MODIFIED' : 'ADDED', rv: this.rv, key, object, prev });
    return object;
  }

  remove(resource: string, key: string): KObject | undefined {
    const c = this.collection(resource);
    const prev = c.objects.get(key);
    if (!prev) return undefined;
    this.rv += 1;
    c.objects.delete(key);
    c.invalidateOrder();
    const object: KObject = { ...prev, metadata: { ...prev.metadata, resourceVersion: String(this.rv) } };
    this.record(c, { type: 'DELETED', rv: this.rv, key, object, prev });
    return object;
  }

  private record(c: Collection, event: StoreEvent): void {
    this.onChange();
    c.history.push(event);
    if (c.history.length > this.historyWindow) {
      const dropped = c.history.splice(0, c.history.length - this.historyWindow);
      c.floor = dropped[dropped.length - 1].rv;
    }
    for (const listener of c.listeners) listener(event);
  }

  /** Forgets all retained events, as an etcd compaction does: older resourceVersions now answer 410. */
  compact(): void {
    for (const c of this.collections.values()) {
      c.history = [];
      c.floor = this.rv;
    }
  }

  /** Keys (sorted as etcd sorts them) under `prefix`, starting after `after`. */
  keysFrom(
    resource: string,
    prefix: string,
    after: string | undefined,
  ): { keys: string[]; objects: Map<string, KObject> } {
    const c = this.collection(resource);
    const keys = c.sortedKeys();
    const start = after !== undefined && after >= prefix ? `${after}\u0000` : prefix;
    let lo = 0;
    let hi = keys.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (keys[mid] < start) lo = mid + 1;
      else hi = mid;
    }
    let end = lo;
    while (end < keys.length && keys[end].startsWith(prefix)) end++;
    return { keys: keys.slice(lo, end), objects: c.objects };
  }

  /**
   * The objects as they were at `rv`, for keys under `prefix`: current state with newer events undone.
   * Undefined when the history no longer reaches back that far.
   */
  snapshot(resource: string, rv: number, prefix: string): Map<string, KObject | null> | undefined {
    const c = this.collection(resource);
    if (rv < c.floor) return undefined;
    const overlay = new Map<string, KObject | null>();
    for (let i = c.history.length - 1; i >= 0 && c.history[i].rv > rv; i--) {
      const e = c.history[i];
      if (e.key.startsWith(prefix)) overlay.set(e.key, e.prev ?? null);
    }
    return overlay;
  }

  /** Events after `rv`, or the floor when `rv` is too old to replay from. */
  eventsSince(resource: string, rv: number): { events: StoreEvent[] } | { tooOld: number } {
    const c = this.collection(resource);
    if (rv < c.floor) return { tooOld: c.floor };
    let lo = 0;
    let hi = c.history.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (c.history[mid].rv <= rv) lo = mid + 1;
      else hi = mid;
    }
    return { events: c.history.slice(lo) };
  }

  subscribe(resource: string, listener: Listener): () => void {
    const c = this.collection(resource);
    c.listeners.add(listener);
    return () => c.listeners.delete(listener);
  }

  /** Every key of every resource under a namespace (for namespace deletion). */
  namespacedKeys(namespace: string): Array<[string, string]> {
    const out: Array<[string, string]> = [];
    for (const [resource, c] of this.collections) {
      for (const key of c.objects.keys()) if (key.startsWith(`${namespace}/`)) out.push([resource, key]);
    }
    return out;
  }
}
