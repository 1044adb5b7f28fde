import { ConfigError } from './config-error.js';

/** Leases of ServiceAccount tokens. */
export interface LeaseConfig {
  /** The shortest lease a caller may ask for. */
  readonly minTtlSeconds: number;
  /** The longest lease anyone may ask for (grants may cap it further). */
  readonly maxTtlSeconds: number;
  /** How often expired leases are looked for and their owner objects deleted. */
  readonly sweepSeconds: number;
}

interface LeaseEnvironment {
  readonly LEASE_MIN_TTL_SECONDS: number;
  readonly LEASE_MAX_TTL_SECONDS: number;
  readonly LEASE_SWEEP_SECONDS: number;
}

export function leaseConfig(values: LeaseEnvironment): LeaseConfig {
  if (values.LEASE_MIN_TTL_SECONDS > values.LEASE_MAX_TTL_SECONDS) {
    throw new ConfigError('Invalid configuration: LEASE_MIN_TTL_SECONDS must not exceed LEASE_MAX_TTL_SECONDS');
  }
  return Object.freeze({
    minTtlSeconds: values.LEASE_MIN_TTL_SECONDS,
    maxTtlSeconds: values.LEASE_MAX_TTL_SECONDS,
    sweepSeconds: values.LEASE_SWEEP_SECONDS,
  });
}
