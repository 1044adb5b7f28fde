import type { ThrottlerStorage } from '@nestjs/throttler';
import type { Clock } from '../time/clock.js';
import type { WindowCounter } from './window-counter.js';

/**
 * @nestjs/throttler's storage over a WindowCounter: fixed windows, one counter per key, so a
 * request costs O(1) whatever the limit (the library's own in-memory storage keeps every hit's
 * expiry and filters them on each request). The same counter can be shared by replicas (Redis).
 * A key over its limit stays refused until its window closes.
 */
export class WindowThrottlerStorage implements ThrottlerStorage {
  constructor(
    private readonly counter: WindowCounter,
    private readonly clock: Clock,
  ) {}

  async increment(
    key: string,
    ttl: number,
    limit: number,
    _blockDuration: number,
    throttlerName: string,
  ): ReturnType<ThrottlerStorage['increment']> {
    const window = await this.counter.hit(`${throttlerName}:${key}`, ttl);
    const timeToExpire = Math.max(0, Math.ceil((window.closesAt - this.clock.now()) / 1000));
    const isBlocked = window.count > limit;
    return { totalHits: window.count, timeToExpire, isBlocked, timeToBlockExpire: isBlocked ? timeToExpire : 0 };
  }
}
