import type { GeneratorSpec } from './generators.js';

/** `replace`: the new value replaces the old at once. `two-phase`: the old one stays under `<key>.previous` for `graceSeconds`. */
export type RotationStrategy = 'replace' | 'two-phase';
export const ROTATION_STRATEGIES: readonly RotationStrategy[] = ['replace', 'two-phase'];

/** What the broker does when the cluster object changes outside it. */
export type DriftAction = 'record' | 'restore' | 'adopt';
export const DRIFT_ACTIONS: readonly DriftAction[] = ['record', 'restore', 'adopt'];

/** Per-secret rotation settings. (Webhooks are subscriptions of their own: see src/webhooks.) */
export interface RotationPolicy {
  readonly generators: Readonly<Record<string, GeneratorSpec>>;
  /** Rotate this often (seconds); exclusive with `schedule`. */
  readonly intervalSeconds?: number;
  /** Rotate on this cron expression (UTC); exclusive with `intervalSeconds`. */
  readonly schedule?: string;
  readonly strategy?: RotationStrategy;
  readonly graceSeconds?: number;
  readonly restartWorkloads?: boolean;
  /** Restart at most this many consumers at once, waiting `restartIntervalSeconds` between batches. */
  readonly restartBatchSize?: number;
  readonly restartIntervalSeconds?: number;
  readonly onDrift?: DriftAction;
}
