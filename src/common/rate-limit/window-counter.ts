import type { Clock } from '../time/clock.js';

/** A key's current fixed window: how many hits it has had and when it closes (epoch ms). */
export interface CounterWindow {
  readonly count: number;
  readonly closesAt: number;
}

/**
 * Counts hits per key in fixed windows. The in-memory implementation serves one replica; a
 * shared store (Redis: INCR, then PEXPIRE … NX, and PTTL) gives several replicas one count.
 */
export abstract class WindowCounter {
  /** Adds a hit to the key's open window, opening one of `windowMs` if none is. */
  abstract hit(key: string, windowMs: number): Promise<CounterWindow>;
  /** The key's open window, if any. */
  abstract peek(key: string): Promise<CounterWindow | undefined>;
  /** Takes back one hit from the key's open window (a reservation that was not used up). */
  abstract release(key: string): Promise<void>;
}

/**
 * Bounded to `maxKeys`: expired windows go first and, if every window is still open, the oldest.
 * Windows all have the same length per use, so insertion order is closing order and eviction
 * only ever looks at the front of the map.
 */
export class InMemoryWindowCounter extends WindowCounter {
  private readonly windows = new Map<string, CounterWindow>();

  constructor(
    private readonly clock: Clock,
    private readonly maxKeys: number,
  ) {
    super();
  }

  hit(key: string, windowMs: number): Promise<CounterWindow> {
    const now = this.clock.now();
    const open = this.open(key, now);
    const window = open ? { count: open.count + 1, closesAt: open.closesAt } : { count: 1, closesAt: now + windowMs };
    if (!open) this.evict(now);
    this.windows.set(key, window);
    return Promise.resolve(window);
  }

  peek(key: string): Promise<CounterWindow | undefined> {
    return Promise.resolve(this.open(key, this.clock.now()));
  }

  release(key: string): Promise<void> {
    const open = this.open(key, this.clock.now());
    if (open && open.count > 0) this.windows.set(key, { count: open.count - 1, closesAt: open.closesAt });
    return Promise.resolve();
  }

  get size(): number {
    return this.windows.size;
  }

  private open(key: string, now: number): CounterWindow | undefined {
    const window = this.windows.get(key);
    if (window === undefined) return undefined;
    if (window.closesAt > now) return window;
    this.windows.delete(key);
    return undefined;
  }

  private evict(now: number): void {
    for (const [key, window] of this.windows) {
      if (window.closesAt > now && this.windows.size < this.maxKeys) return;
      this.windows.delete(key);
    }
  }
}
