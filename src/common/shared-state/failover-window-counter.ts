import type { CounterWindow, WindowCounter } from '../rate-limit/window-counter.js';
import { WindowCounter as WindowCounterBase } from '../rate-limit/window-counter.js';
import type { SharedRedis } from './shared-redis.js';

/**
 * A counter shared through Redis that falls back to this replica's own counter while Redis is
 * unreachable: limits then hold per replica instead of not at all (never fail open).
 */
export class FailoverWindowCounter extends WindowCounterBase {
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
}
