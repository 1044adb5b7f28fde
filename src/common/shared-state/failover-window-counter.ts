import type { CounterWindow, GatedHit } from '../rate-limit/window-counter.js';
import { WindowCounter } from '../rate-limit/window-counter.js';
import type { SharedRedis } from './shared-redis.js';

/**
 * A counter shared through Redis that falls back to this replica's own counter while Redis is
 * unreachable: limits then hold per replica instead of not at all (never fail open).
 */
export class FailoverWindowCounter extends WindowCounter {
  constructor(
    private readonly redis: SharedRedis,
    private readonly shared: WindowCounter,
    private readonly local: WindowCounter,
  ) {
    super();
  }

  hit(key: string, windowMs: number): Promise<CounterWindow> {
    return this.redis.orLocal(
      () => this.shared.hit(key, windowMs),
      () => this.local.hit(key, windowMs),
    );
  }

  override hitAll(keys: readonly string[], windowMs: number): Promise<CounterWindow[]> {
    return this.redis.orLocal(
      () => this.shared.hitAll(keys, windowMs),
      () => this.local.hitAll(keys, windowMs),
    );
  }

  peek(key: string): Promise<CounterWindow | undefined> {
    return this.redis.orLocal(
      () => this.shared.peek(key),
      () => this.local.peek(key),
    );
  }

  release(key: string): Promise<void> {
    return this.redis.orLocal(
      () => this.shared.release(key),
      () => this.local.release(key),
    );
  }

  /** Shared counter with shared gate (one script), or local with local while Redis is unreachable. */
  override hitUnlessGated(
    key: string,
    windowMs: number,
    gate: WindowCounter,
    gateKey: string,
    gateLimit: number,
  ): Promise<GatedHit> {
    if (!(gate instanceof FailoverWindowCounter)) return super.hitUnlessGated(key, windowMs, gate, gateKey, gateLimit);
    return this.redis.orLocal(
      () => this.shared.hitUnlessGated(key, windowMs, gate.shared, gateKey, gateLimit),
      () => this.local.hitUnlessGated(key, windowMs, gate.local, gateKey, gateLimit),
    );
  }
}
