import type { Clock } from '../time/clock.js';

/** A key's current fixed window: how many hits it has had and when it closes (epoch ms). */
export interface CounterWindow {
  readonly count: number;
  readonly closesAt: number;
}

/** What `hitUnlessGated` found: the gate's open window, and the hit's (none when the gate was shut). */
export interface GatedHit {
  readonly gate: CounterWindow | undefined;
  readonly hit: CounterWindow | undefined;
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

  /** Adds a hit to each key (the windows in the keys' order); a shared store does all in one step. */
  hitAll(keys: readonly string[], windowMs: number): Promise<CounterWindow[]> {
    return Promise.all(keys.map((key) => this.hit(key, windowMs)));
  }

  /**
   * Adds a hit to `key` unless `gateKey` of the `gate` counter already has `gateLimit` hits in
   * its open window. A shared store does both in one step (one round trip per request).
   */
  async hitUnlessGated(
    key: string,
    windowMs: number,
    gate: WindowCounter,
    gateKey: string,
    gateLimit: number,
  ): Promise<GatedHit> {
    const gateWindow = await gate.peek(gateKey);
    if (gateWindow !== undefined && gateWindow.count >= gateLimit) return { gate: gateWindow, hit: undefined };
    return { gate: gateWindow, hit: await this.hit(key, windowMs) };
  }
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
