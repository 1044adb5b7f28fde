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

/** How many fire times, and how long a span, are looked at for the shortest gap of a schedule. */
const GAP_SAMPLE_FIRES = 2_000;
const GAP_SAMPLE_SPAN_MS = 400 * 86_400_000;

/**
 * Refuses a schedule the parser cannot read, a policy that names both an interval and a
 * schedule, and a schedule that fires sooner than `minIntervalSeconds` after a previous slot.
 */
export function validateSchedule(
  policy: Pick<RotationPolicy, 'intervalSeconds' | 'schedule'>,
  minIntervalSeconds: number,
): void {
  if (policy.intervalSeconds !== undefined && policy.schedule !== undefined)
    throw new DomainError(ErrorCode.Unprocessable, 'A rotation policy takes intervalSeconds or schedule, not both');
  if (policy.schedule === undefined) return;
  let gapSeconds: number;
  try {
    gapSeconds = shortestGapSeconds(policy.schedule);
  } catch {
    throw new DomainError(ErrorCode.Unprocessable, `schedule is not a cron expression: ${policy.schedule}`);
  }
  if (gapSeconds < minIntervalSeconds) {
    throw new DomainError(
      ErrorCode.Unprocessable,
      `schedule fires ${gapSeconds} s after a previous slot; slots must be at least ${minIntervalSeconds} s apart (ROTATION_MIN_INTERVAL_SECONDS)`,
    );
  }
}

/**
 * The shortest time between consecutive fire times, from the first GAP_SAMPLE_FIRES fires or
 * GAP_SAMPLE_SPAN_MS (a year and more: every month, weekday and leap-day pattern shows in it),
 * whichever ends first. Dense schedules show their gap at once; sparse ones within the span.
 */
function shortestGapSeconds(expression: string): number {
  const start = Date.UTC(2028, 0, 1);
  const fires = CronExpressionParser.parse(expression, { currentDate: new Date(start), tz: 'UTC' });
  let previous = fires.next().getTime();
  let shortest = Infinity;
  for (let i = 1; i < GAP_SAMPLE_FIRES && previous - start < GAP_SAMPLE_SPAN_MS && fires.hasNext(); i += 1) {
    const next = fires.next().getTime();
    shortest = Math.min(shortest, next - previous);
    previous = next;
  }
  return shortest / 1000;
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
