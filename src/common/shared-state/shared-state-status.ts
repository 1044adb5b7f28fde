/** Whether counters are shared between replicas now (DI token for readiness and metrics). */
export interface SharedState {
  /** REDIS_URL is set. */
  readonly configured: boolean;
  /** Configured, but Redis is unreachable: each replica counts on its own until it is back. */
  readonly degraded: boolean;
}

export abstract class SharedStateStatus {
  abstract state(): SharedState;
}
