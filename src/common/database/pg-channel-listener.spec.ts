import { describe, expect, it } from 'vitest';
import { reconnectDelay } from './pg-channel-listener.js';

describe('reconnectDelay', () => {
  const backoff = { initialMs: 200, maxMs: 30_000 };

  it('doubles with each failure up to the cap, jittered between half and all of the step', () => {
    expect([0, 1, 2, 3].map((failures) => reconnectDelay(failures, backoff, () => 1))).toEqual([200, 400, 800, 1600]);
    expect(reconnectDelay(3, backoff, () => 0)).toBe(800);
    expect(reconnectDelay(20, backoff, () => 1)).toBe(30_000);
    expect(reconnectDelay(10_000, backoff, () => 0.5)).toBe(22_500);
  });
});
