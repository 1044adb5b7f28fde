import { describe, expect, it } from 'vitest';
import { withRetry } from './retry.js';

const policy = { attempts: 3, baseDelayMs: 10, maxDelayMs: 1_000 };

describe('withRetry', () => {
  it('retries retryable failures with growing delays, then succeeds', async () => {
    const delays: number[] = [];
    let calls = 0;
    const result = await withRetry(
      async () => {
        calls++;
        if (calls < 3) throw new Error('flaky');
        return 'ok';
      },
      () => ({ retry: true }),
      policy,
      async (ms) => void delays.push(ms),
    );
    expect(result).toBe('ok');
    expect(delays).toEqual([10, 20]);
  });

  it('honours Retry-After, capped', async () => {
    const delays: number[] = [];
    await expect(
      withRetry(
        async () => {
          throw new Error('busy');
        },
        () => ({ retry: true, retryAfterSeconds: 5 }),
        policy,
        async (ms) => void delays.push(ms),
      ),
    ).rejects.toThrow('busy');
    expect(delays).toEqual([1_000, 1_000]);
  });

  it('does not retry what is not retryable', async () => {
    let calls = 0;
    await expect(
      withRetry(
        async () => {
          calls++;
          throw new Error('not found');
        },
        () => ({ retry: false }),
        policy,
        async () => undefined,
      ),
    ).rejects.toThrow('not found');
    expect(calls).toBe(1);
  });
});
