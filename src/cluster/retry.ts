/** Retry policy for idempotent cluster reads: exponential backoff, honouring Retry-After. */
export interface RetryPolicy {
  readonly attempts: number;
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
}

export const DEFAULT_READ_RETRY: RetryPolicy = { attempts: 4, baseDelayMs: 100, maxDelayMs: 5_000 };

export interface RetryDecision {
  readonly retry: boolean;
  /** Seconds the server asked us to wait (429/503 Retry-After), if any. */
  readonly retryAfterSeconds?: number;
}

export async function withRetry<T>(
  operation: () => Promise<T>,
  classify: (error: unknown) => RetryDecision,
  policy: RetryPolicy = DEFAULT_READ_RETRY,
  sleep: (ms: number) => Promise<void> = (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await operation();
    } catch (error) {
      const decision = classify(error);
      if (!decision.retry || attempt >= policy.attempts) throw error;
      const backoff = policy.baseDelayMs * 2 ** (attempt - 1);
      const requested = decision.retryAfterSeconds !== undefined ? decision.retryAfterSeconds * 1000 : 0;
      await sleep(Math.min(policy.maxDelayMs, Math.max(backoff, requested)));
    }
  }
}
