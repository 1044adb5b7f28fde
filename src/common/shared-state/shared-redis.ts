import { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { SharedStateStatus, type SharedState } from './shared-state-status.js';

// A command that has not answered by then counts as Redis unreachable: a request never waits
// longer than this on a shared counter.
const COMMAND_TIMEOUT_MS = 500;
const CONNECT_TIMEOUT_MS = 2_000;
const MAX_RECONNECT_DELAY_MS = 2_000;
// While degraded, at most one request per interval tries Redis: an unanswering (not refusing)
// Redis would otherwise cost every request the command timeout.
const PROBE_INTERVAL_MS = 1_000;

/**
 * The broker's one Redis connection and whether it can be used. Commands are not queued while
 * disconnected (they fail at once, so callers fall back to their local state); ioredis keeps
 * reconnecting, and the first command that succeeds again ends the degraded state.
 */
export class SharedRedis extends SharedStateStatus {
  readonly client: Redis;
  private degraded = false;
  private nextProbeAt = 0;

  constructor(
    url: string,
    private readonly logger: Logger,
  ) {
    super();
    this.client = new Redis(url, {
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      commandTimeout: COMMAND_TIMEOUT_MS,
      connectTimeout: CONNECT_TIMEOUT_MS,
      retryStrategy: (attempt) => Math.min(attempt * 100, MAX_RECONNECT_DELAY_MS),
      // The scripts of concurrent requests go out in one write per event-loop turn.
      enableAutoPipelining: true,
    });
    // Errors are reported through `degraded`; without a listener ioredis prints every one.
    this.client.on('error', () => undefined);
  }

  state(): SharedState {
    return { configured: true, degraded: this.degraded };
  }

  /** `shared()` while Redis answers; `local()` when it does not (or is known to be disconnected). */
  async orLocal<T>(shared: () => Promise<T>, local: () => Promise<T>): Promise<T> {
    if (this.degraded) {
      if (this.client.status !== 'ready' || Date.now() < this.nextProbeAt) return local();
      this.nextProbeAt = Date.now() + PROBE_INTERVAL_MS;
    }
    try {
      const result = await shared();
      if (this.degraded) {
        this.degraded = false;
        this.logger.info('Redis reachable again: rate limits and activity windows are shared across replicas');
      }
      return result;
    } catch (error) {
      if (!this.degraded) {
        this.degraded = true;
        this.logger.error(
          { err: error },
          'Redis unreachable: rate limits and activity windows are counted per replica until it is back',
        );
      }
      return local();
    }
  }

  async close(): Promise<void> {
    try {
      await this.client.quit();
    } catch {
      this.client.disconnect();
    }
  }
}
