import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Clock } from '../../src/common/time/clock.js';
import { RedisWindowCounter } from '../../src/common/rate-limit/redis-window-counter.js';

/** The Redis counter against a real Redis, each test under a key prefix of its own. */
describe('RedisWindowCounter', () => {
  let redis: Redis;
  const counter = () => new RedisWindowCounter(redis, `test-${randomBytes(6).toString('hex')}:`, new Clock());

  beforeAll(() => {
    redis = new Redis('redis://127.0.0.1:6379');
  });

  afterAll(async () => {
    await redis.quit();
  });

  it('counts hits in one fixed window that closes windowMs after the first hit', async () => {
    const subject = counter();
    const started = Date.now();
    const first = await subject.hit('a', 60_000);
    const second = await subject.hit('a', 60_000);
    expect([first.count, second.count]).toEqual([1, 2]);
    expect(first.closesAt).toBeGreaterThanOrEqual(started + 59_000);
    expect(Math.abs(second.closesAt - first.closesAt)).toBeLessThan(1_000);
    expect(await subject.peek('a')).toMatchObject({ count: 2 });
    expect(await subject.peek('b')).toBeUndefined();
  });

  it('opens a new window once the old one expired', async () => {
    const subject = counter();
    // Redis expires the key on its own clock, so this waits in real time, briefly.
    await subject.hit('short', 100);
    await subject.hit('short', 100);
    await sleep(150);
    expect(await subject.peek('short')).toBeUndefined();
    expect((await subject.hit('short', 100)).count).toBe(1);
  });

  it('keeps counters under different prefixes apart, and each key expires with its window', async () => {
    const one = counter();
    const other = counter();
    await one.hit('shared-name', 60_000);
    expect(await other.peek('shared-name')).toBeUndefined();
    const keys = await redis.keys('test-*shared-name');
    const ttls = await Promise.all(keys.map((key) => redis.pttl(key)));
    expect(ttls.every((ttl) => ttl > 0 && ttl <= 60_000)).toBe(true);
  });
});
