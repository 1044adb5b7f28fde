import { describe, expect, it } from 'vitest';
import { InMemoryWindowCounter } from './window-counter.js';
import { WindowThrottlerStorage } from './window-throttler-storage.js';

describe('WindowThrottlerStorage', () => {
  const clock = { now: () => 1_000_000 };
  const storage = () => new WindowThrottlerStorage(new InMemoryWindowCounter(clock, 100), clock);

  it('counts hits per key in a fixed window and refuses beyond the limit until it closes', async () => {
    const subject = storage();
    const hits = [];
    for (let i = 0; i < 4; i++) hits.push(await subject.increment('user:a', 60_000, 3, 60_000, 'subject'));
    expect(hits.map((hit) => [hit.totalHits, hit.isBlocked])).toEqual([
      [1, false],
      [2, false],
      [3, false],
      [4, true],
    ]);
    expect(hits[3]).toMatchObject({ timeToExpire: 60, timeToBlockExpire: 60 });
    expect((await subject.increment('user:b', 60_000, 3, 60_000, 'subject')).totalHits).toBe(1);
  });

  it('starts a new window once the old one closes', async () => {
    let now = 0;
    const moving = { now: () => now };
    const subject = new WindowThrottlerStorage(new InMemoryWindowCounter(moving, 100), moving);
    await subject.increment('k', 1_000, 1, 1_000, 't');
    expect((await subject.increment('k', 1_000, 1, 1_000, 't')).isBlocked).toBe(true);
    now = 1_001;
    expect(await subject.increment('k', 1_000, 1, 1_000, 't')).toMatchObject({ totalHits: 1, isBlocked: false });
  });
});
