import type { GeneratorSpec } from './generators.js';

/** Per-secret rotation settings. Schedules and webhooks are stored for the scheduler. */
export interface RotationPolicy {
  readonly generators: Readonly<Record<string, GeneratorSpec>>;
  readonly intervalSeconds?: number;
  readonly restartWorkloads?: boolean;
  readonly webhooks?: readonly string[];
}
