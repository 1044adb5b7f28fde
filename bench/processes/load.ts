/**
 * Drives load with autocannon from its own process (so the load generator never shares a thread
 * with what it measures). Reads one JSON job from the file named in argv, prints one JSON result.
 */
import { readFileSync } from 'node:fs';
import autocannon from 'autocannon';

export interface LoadJob {
  readonly url: string;
  readonly connections: number;
  /** Run for this long (warm-up)… */
  readonly durationSeconds?: number;
  /** …or until this many requests were answered, none left in flight (measured runs). */
  readonly amount?: number;
  /** At most this many requests per second over all connections (soak); as fast as possible if absent. */
  readonly ratePerSecond?: number;
  /** Requests cycled through in order, one per request sent. */
  readonly requests: ReadonlyArray<{
    method: 'GET' | 'POST';
    path: string;
    headers?: Record<string, string>;
    body?: string;
  }>;
}

export interface LoadResult {
  readonly requestsPerSecond: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly completed: number;
  readonly ok: number;
  readonly non2xx: number;
  readonly errors: number;
}

const job = JSON.parse(readFileSync(process.argv[2] ?? '', 'utf8')) as LoadJob;
let next = 0;
const result = await autocannon({
  url: job.url,
  connections: job.connections,
  ...(job.amount === undefined ? { duration: job.durationSeconds } : { amount: job.amount }),
  pipelining: 1,
  ...(job.ratePerSecond === undefined ? {} : { overallRate: job.ratePerSecond }),
  requests: [
    {
      setupRequest: (request) => {
        const chosen = job.requests[next++ % job.requests.length];
        return {
          ...request,
          method: chosen.method,
          path: chosen.path,
          headers: { ...request.headers, ...chosen.headers },
          body: chosen.body,
        };
      },
    },
  ],
});
const output: LoadResult = {
  requestsPerSecond: result.requests.average,
  p50Ms: result.latency.p50,
  p99Ms: result.latency.p99,
  completed: result.requests.total,
  ok: result['2xx'],
  non2xx: result.non2xx,
  errors: result.errors + result.timeouts,
};
process.stdout.write(`${JSON.stringify(output)}\n`);
