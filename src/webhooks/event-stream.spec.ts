import { describe, expect, it } from 'vitest';
import { EventStream } from './event-stream.js';

describe('EventStream', () => {
  it('hands over pushed items in order, to a waiting reader too', async () => {
    const stream = new EventStream<number>(() => undefined, 10);
    stream.push(1);
    const pending = stream.next();
    expect(await pending).toEqual({ value: 1, done: false });
    const waiting = stream.next();
    stream.push(2);
    expect(await waiting).toEqual({ value: 2, done: false });
  });

  it('runs onEnd once when the consumer returns, and is then done', async () => {
    let ended = 0;
    const stream = new EventStream<number>(() => ended++, 10);
    const waiting = stream.next();
    await stream.return();
    await stream.return();
    expect(await waiting).toEqual({ value: undefined, done: true });
    stream.push(3);
    expect(await stream.next()).toEqual({ value: undefined, done: true });
    expect(ended).toBe(1);
  });

  it('fails after what was queued, then is done', async () => {
    let ended = 0;
    const stream = new EventStream<number>(() => ended++, 10);
    stream.push(1);
    stream.fail(new Error('withdrawn'));
    expect(await stream.next()).toEqual({ value: 1, done: false });
    await expect(stream.next()).rejects.toThrow('withdrawn');
    expect(await stream.next()).toEqual({ value: undefined, done: true });
    expect(ended).toBe(1);
  });

  it('cuts off a consumer that falls too far behind', async () => {
    const stream = new EventStream<number>(() => undefined, 2);
    stream.push(1);
    stream.push(2);
    stream.push(3);
    expect(await stream.next()).toEqual({ value: 1, done: false });
    expect(await stream.next()).toEqual({ value: 2, done: false });
    await expect(stream.next()).rejects.toThrow(/too slow/);
  });
});
