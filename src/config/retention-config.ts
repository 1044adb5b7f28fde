import { z } from 'zod';
import { ConfigError } from './config-error.js';

/** Removal of finished rows (src/retention). */
export interface RetentionConfig {
  readonly sweepSeconds: number;
  /** Every `RETENTION_<TABLE>_DAYS` set, by variable name; a table not set keeps its default. */
  readonly days: ReadonlyMap<string, number>;
}

export const retentionEnvironment = {
  RETENTION_SWEEP_SECONDS: z.coerce.number().min(1).max(86_400).default(3_600),
};

const RETENTION_DAYS = /^RETENTION_[A-Z][A-Z_]*_DAYS$/;

export function retentionConfig(
  values: { readonly RETENTION_SWEEP_SECONDS: number },
  env: NodeJS.ProcessEnv,
): RetentionConfig {
  return Object.freeze({ sweepSeconds: values.RETENTION_SWEEP_SECONDS, days: retentionDays(env) });
}

// Read by pattern, so a table added to retention needs no change here; each value is whole days, 0 keeping rows forever.
function retentionDays(env: NodeJS.ProcessEnv): ReadonlyMap<string, number> {
  const days = new Map<string, number>();
  for (const [name, text] of Object.entries(env)) {
    if (!RETENTION_DAYS.test(name) || text === undefined || text.trim() === '') continue;
    const value = Number(text);
    if (!Number.isInteger(value) || value < 0 || value > 36_500) {
      throw new ConfigError(`Invalid configuration: ${name} must be a whole number of days from 0 to 36500`);
    }
    days.set(name, value);
  }
  return days;
}
