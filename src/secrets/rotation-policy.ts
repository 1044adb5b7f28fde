import type { GeneratorSpec } from './generators.js';

/** Per-secret rotation settings. (Webhooks are subscriptions of their own: see src/webhooks.) */
export interface RotationPolicy {
  readonly generators: Readonly<Record<string, GeneratorSpec>>;
  readonly intervalSeconds?: number;
  readonly restartWorkloads?: boolean;
}
