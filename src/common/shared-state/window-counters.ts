import type { OnApplicationShutdown } from '@nestjs/common';
import type { Clock } from '../time/clock.js';
import { RedisWindowCounter } from '../rate-limit/redis-window-counter.js';
import { InMemoryWindowCounter, type WindowCounter } from '../rate-limit/window-counter.js';
import { FailoverWindowCounter } from './failover-window-counter.js';
import type { SharedRedis } from './shared-redis.js';

/**
 * Hands out the fixed-window counters of rate limits and activity windows: shared through Redis
 * when REDIS_URL is set (with this replica's own counter as the fallback), in memory otherwise.
 */
export class WindowCounters implements OnApplicationShutdown {
  constructor(
    private readonly redis: SharedRedis | undefined,
    private readonly keyPrefix: string,
    private readonly clock: Clock,
  ) {}

  /** A counter for one use, with keys of its own; `maxLocalKeys` bounds what this replica holds in memory. */
  counter(use: string, maxLocalKeys: number): WindowCounter {
    const local = new InMemoryWindowCounter(this.clock, maxLocalKeys);
    if (this.redis === undefined) return local;
    const shared = new RedisWindowCounter(this.redis.client, `${this.keyPrefix}${use}:`, this.clock);
    return new FailoverWindowCounter(this.redis, shared, local);
  }

  async onApplicationShutdown(): Promise<void> {
    await this.redis?.close();
  }
}
