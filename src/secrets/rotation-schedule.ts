import { CronExpressionParser } from 'cron-parser';
import { createHash } from 'node:crypto';
import { DomainError, ErrorCode } from '../common/errors/domain-error.js';
import type { RotationPolicy } from './rotation-policy.js';

/** Scheduled rotations back off up to this long after repeated failures. */
const MAX_RETRY_MS = 3_600_000;

/** Whether the policy asks for scheduled rotation at all. */
export function isScheduled(policy: Pick<RotationPolicy, 'intervalSeconds' | 'schedule'> | null | undefined): boolean {
  return policy?.intervalSeconds !== undefined || policy?.schedule !== undefined;
}

/** Refuses a schedule the parser cannot read, or a policy that names both an interval and a schedule. */
export function validateSchedule(policy: Pick<RotationPolicy, 'intervalSeconds' | 'schedule'>): void {
  if (policy.intervalSeconds !== undefined && policy.schedule !== undefined)
    throw new DomainError(ErrorCode.Unprocessable, 'A rotation policy takes intervalSeconds or schedule, not both');
  if (policy.schedule === undefined) return;
  try {
    CronExpressionParser.parse(policy.schedule, { tz: 'UTC' });
  } catch {
    throw new DomainError(ErrorCode.Unprocessable, `schedule is not a cron expression: ${policy.schedule}`);
  }
}

/** The first slot of a newly scheduled secret, or null when the policy has no schedule. */
export function firstRotationAt(policy: RotationPolicy | null | undefined, now: Date): Date | null {
  if (policy?.intervalSeconds !== undefined) return new Date(now.getTime() + policy.intervalSeconds * 1000);
  if (policy?.schedule !== undefined) return cronAfter(policy.schedule, now);
  return null;
}

/**
 * The slot after `slot`, which has just run. Slots missed while no broker ran are not made up one
 * by one: the run that catches up counts for all of them, and the next slot is in the future.
 */
export function nextRotationAt(policy: RotationPolicy, slot: Date, now: Date): Date | null {
  if (policy.intervalSeconds !== undefined) {
    const intervalMs = policy.intervalSeconds * 1000;
    const next = slot.getTime() + intervalMs;
    return new Date(next > now.getTime() ? next : now.getTime() + intervalMs);
  }
  if (policy.schedule !== undefined) return cronAfter(policy.schedule, slot > now ? slot : now);
  return null;
}

/**
 * A delay of up to `jitterSeconds` added to a slot, the same on every replica (derived from the
 * secret and the slot), so replicas agree on when a slot is due and rotations do not all start at once.
 */
export function jitterMs(secretId: string, slot: Date, jitterSeconds: number): number {
  if (jitterSeconds <= 0) return 0;
  const digest = createHash('sha256').update(`${secretId}|${slot.toISOString()}`).digest();
  return digest.readUInt32BE(0) % Math.round(jitterSeconds * 1000);
}

/** When a failed scheduled rotation is tried again: the base delay doubled per earlier failure, capped at an hour. */
export function retryAt(now: Date, failures: number, baseSeconds: number): Date {
  const delay = Math.min(MAX_RETRY_MS, baseSeconds * 1000 * 2 ** Math.max(0, failures - 1));
  return new Date(now.getTime() + delay);
}

function cronAfter(expression: string, after: Date): Date {
  return CronExpressionParser.parse(expression, { currentDate: after, tz: 'UTC' }).next().toDate();
}
