import { describe, expect, it } from 'vitest';
import { firstRotationAt, jitterMs, nextRotationAt, retryAt, validateSchedule } from './rotation-schedule.js';

const at = (iso: string) => new Date(iso);

describe('rotation schedule', () => {
  it('an interval policy is first due one interval after it is set', () => {
    expect(firstRotationAt({ generators: {}, intervalSeconds: 60 }, at('2026-01-01T00:00:00Z'))).toEqual(
      at('2026-01-01T00:01:00Z'),
    );
  });

  it('a cron policy is due at the next matching time (UTC)', () => {
    expect(firstRotationAt({ generators: {}, schedule: '0 3 * * *' }, at('2026-01-01T05:00:00Z'))).toEqual(
      at('2026-01-02T03:00:00Z'),
    );
  });

  it('no schedule, no slot', () => {
    expect(firstRotationAt({ generators: {} }, new Date())).toBeNull();
    expect(firstRotationAt(null, new Date())).toBeNull();
  });

  it('the next interval slot follows the last one, not the time it ran', () => {
    const policy = { generators: {}, intervalSeconds: 10 };
    expect(nextRotationAt(policy, at('2026-01-01T00:00:10Z'), at('2026-01-01T00:00:12Z'))).toEqual(
      at('2026-01-01T00:00:20Z'),
    );
  });

  it('after downtime one run catches up and the next slot is in the future', () => {
    const interval = { generators: {}, intervalSeconds: 10 };
    const now = at('2026-01-01T01:00:03Z');
    expect(nextRotationAt(interval, at('2026-01-01T00:00:10Z'), now)).toEqual(at('2026-01-01T01:00:13Z'));
    const cron = { generators: {}, schedule: '0 * * * *' };
    expect(nextRotationAt(cron, at('2026-01-01T00:00:00Z'), now)).toEqual(at('2026-01-01T02:00:00Z'));
  });

  it('jitter is bounded and the same on every replica for one slot', () => {
    const slot = at('2026-01-01T00:00:00Z');
    const first = jitterMs('a', slot, 30);
    expect(first).toBe(jitterMs('a', slot, 30));
    expect(first).toBeGreaterThanOrEqual(0);
    expect(first).toBeLessThan(30_000);
    expect(jitterMs('a', slot, 0)).toBe(0);
  });

  it('retries back off exponentially, capped at an hour', () => {
    const now = at('2026-01-01T00:00:00Z');
    expect(retryAt(now, 1, 2).getTime() - now.getTime()).toBe(2_000);
    expect(retryAt(now, 3, 2).getTime() - now.getTime()).toBe(8_000);
    expect(retryAt(now, 40, 2).getTime() - now.getTime()).toBe(3_600_000);
  });

  it('refuses a schedule whose slots come closer than the minimum interval, wherever in the year', () => {
    expect(() => validateSchedule({ schedule: '* * * * * *' }, 3600)).toThrow(/fires 1 s after a previous slot/);
    expect(() => validateSchedule({ schedule: '*/10 * * * *' }, 3600)).toThrow(/fires 600 s/);
    // Two slots a minute apart, once a year.
    expect(() => validateSchedule({ schedule: '0,1 0 1 1 *' }, 3600)).toThrow(/fires 60 s/);
    // Every hour on the 29th of February only.
    expect(() => validateSchedule({ schedule: '0 * 29 2 *' }, 7200)).toThrow(/fires 3600 s/);
    expect(() => validateSchedule({ schedule: '0 3 * * *' }, 3600)).not.toThrow();
    expect(() => validateSchedule({ schedule: '0 * * * *' }, 3600)).not.toThrow();
  });

  it('refuses a bad cron expression and a policy with both kinds of schedule', () => {
    expect(() => validateSchedule({ schedule: 'every day' }, 60)).toThrow(/cron/);
    expect(() => validateSchedule({ schedule: '* * * * *', intervalSeconds: 60 }, 60)).toThrow(/not both/);
    expect(() => validateSchedule({ schedule: '*/5 * * * * *' }, 5)).not.toThrow();
  });
});
