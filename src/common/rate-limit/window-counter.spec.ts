import { describe, expect, it } from 'vitest';
import { Clock } from '../time/clock.js';
import { InMemoryWindowCounter } from './window-counter.js';

class ManualClock extends Clock {
  time = 1_000_000;
  override now(): number {
    return this.time;
  }
}

describe('InMemoryWindowCounter', () => {
  it('counts hits in a fixed window that closes windowMs after the first hit', async () => {
    const clock = new ManualClock();
    const counter = new InMemoryWindowCounter(clock, 10);
    expect(await counter.peek('a')).toBeUndefined();
    expect(await counter.hit('a', 60_000)).toEqual({ count: 1, closesAt: 1_060_000 });
    clock.time += 59_999;
    expect(await counter.hit('a', 60_000)).toEqual({ count: 2, closesAt: 1_060_000 });
    clock.time += 1;
    expect(await counter.peek('a')).toBeUndefined();
    expect(await counter.hit('a', 60_000)).toEqual({ count: 1, closesAt: 1_120_000 });
  });

  it('takes a hit back within the open window, never below zero and never into a closed one', async () => {
    const clock = new ManualClock();
    const counter = new InMemoryWindowCounter(clock, 10);
    await counter.hit('a', 60_000);
    await counter.hit('a', 60_000);
    await counter.release('a');
    expect(await counter.peek('a')).toEqual({ count: 1, closesAt: 1_060_000 });
    await counter.release('a');
    await counter.release('a');
    expect(await counter.peek('a')).toEqual({ count: 0, closesAt: 1_060_000 });
    clock.time += 60_000;
    await counter.release('a');
    expect(await counter.peek('a')).toBeUndefined();
  });

  it('holds at most maxKeys windows, dropping closed ones first, then the oldest open one', async () => {
    const clock = new ManualClock();
    const counter = new InMemoryWindowCounter(clock, 3);
    await counter.hit('old', 1_000);
    clock.time += 500;
    await counter.hit('b', 1_000);
    await counter.hit('c', 1_000);
    clock.time += 600;
    await counter.hit('d', 1_000);
    expect(counter.size).toBe(3);
    expect(await counter.peek('b')).toMatchObject({ count: 1 });
    await counter.hit('e', 1_000);
    expect(counter.size).toBe(3);
    expect(await counter.peek('b')).toBeUndefined();
    expect(await counter.peek('e')).toMatchObject({ count: 1 });
  });
});

describe('WindowCounter.hitUnlessGated and hitAll', () => {
  it('hits the key only while the gate key has fewer hits than its limit', async () => {
    const clock = new ManualClock();
    const gate = new InMemoryWindowCounter(clock, 10);
    const counter = new InMemoryWindowCounter(clock, 10);
    expect(await counter.hitUnlessGated('s', 60_000, gate, 'g', 2)).toEqual({
      gate: undefined,
      hit: { count: 1, closesAt: 1_060_000 },
    });
    await gate.hit('g', 30_000);
    await gate.hit('g', 30_000);
    expect(await counter.hitUnlessGated('s', 60_000, gate, 'g', 2)).toEqual({
      gate: { count: 2, closesAt: 1_030_000 },
      hit: undefined,
    });
    expect(await counter.peek('s')).toEqual({ count: 1, closesAt: 1_060_000 });
  });

  it('hits every key, in order', async () => {
    const counter = new InMemoryWindowCounter(new ManualClock(), 10);
    await counter.hit('b', 60_000);
    expect((await counter.hitAll(['a', 'b'], 60_000)).map((window) => window.count)).toEqual([1, 2]);
  });
});
