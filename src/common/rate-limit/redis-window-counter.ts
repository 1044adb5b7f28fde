import type { Redis } from 'ioredis';
import type { Clock } from '../time/clock.js';
import { WindowCounter, type CounterWindow } from './window-counter.js';

// One round trip, atomic: the window opens (gets its expiry) with its first hit, and a key left
// without an expiry (never expected) is given one rather than counting forever.
const HIT = `
local count = redis.call('INCR', KEYS[1])
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
  ttl = tonumber(ARGV[1])
end
return {count, ttl}`;

const PEEK = `
local count = redis.call('GET', KEYS[1])
if not count then return false end
return {tonumber(count), redis.call('PTTL', KEYS[1])}`;

// Only inside an open window, and never below zero.
const RELEASE = `
local count = redis.call('GET', KEYS[1])
if count and tonumber(count) > 0 then redis.call('DECR', KEYS[1]) end
return 0`;

/**
 * The same fixed windows as InMemoryWindowCounter, kept in Redis so every replica counts into
 * one window per key. Keys are `prefix + key`; they expire with their window.
 */
export class RedisWindowCounter extends WindowCounter {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly clock: Clock,
  ) {
    super();
  }

  async hit(key: string, windowMs: number): Promise<CounterWindow> {
    const [count, ttl] = (await this.redis.eval(HIT, 1, this.prefix + key, windowMs)) as [number, number];
    return { count, closesAt: this.clock.now() + ttl };
  }

  async peek(key: string): Promise<CounterWindow | undefined> {
    const found = (await this.redis.eval(PEEK, 1, this.prefix + key)) as [number, number] | null;
    if (found === null || found[1] < 0) return undefined;
    return { count: found[0], closesAt: this.clock.now() + found[1] };
  }

  async release(key: string): Promise<void> {
    await this.redis.eval(RELEASE, 1, this.prefix + key);
  }
}
