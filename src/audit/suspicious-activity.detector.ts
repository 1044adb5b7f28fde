import { ANONYMOUS } from './audit-event.js';

export interface SuspiciousActivity {
  /** What repeated: one subject, or one source address (for any subjects). */
  readonly by: 'subject' | 'sourceIp';
  readonly value: string;
  readonly count: number;
}

/**
 * Counts denials and failed authentications per subject and per source IP over a sliding window.
 * Reaching the threshold reports once, then that subject and address stay quiet for one window,
 * so a burst raises one alert rather than one per extra denial.
 *
 * The window is in memory, per replica: with N replicas behind a balancer an attacker may make
 * up to N × (threshold − 1) attempts per window unseen. Denials themselves are all in the audit
 * log, so a cross-replica view can be built from it.
 */
export class SuspiciousActivityDetector {
  private readonly recent = new Map<string, number[]>();
  private readonly quietUntil = new Map<string, number>();
  private lastSweep = 0;

  constructor(
    private readonly threshold: number,
    private readonly windowMs: number,
  ) {}

  get windowSeconds(): number {
    return this.windowMs / 1000;
  }

  observe(subject: string, sourceIp: string | null, now = Date.now()): SuspiciousActivity | undefined {
    this.sweep(now);
    // Every failed authentication is `anonymous`: counting that subject would add up strangers.
    const keys: Array<[SuspiciousActivity['by'], string]> = [];
    if (subject !== ANONYMOUS) keys.push(['subject', subject]);
    if (sourceIp !== null) keys.push(['sourceIp', sourceIp]);
    let found: SuspiciousActivity | undefined;
    for (const [by, value] of keys) {
      const count = this.count(`${by}:${value}`, now);
      const quiet = (this.quietUntil.get(`${by}:${value}`) ?? 0) > now;
      if (found === undefined && count >= this.threshold && !quiet) found = { by, value, count };
    }
    if (found) {
      for (const [by, value] of keys) this.quietUntil.set(`${by}:${value}`, now + this.windowMs);
    }
    return found;
  }

  private count(key: string, now: number): number {
    const times = (this.recent.get(key) ?? []).filter((time) => time > now - this.windowMs);
    times.push(now);
    // Only the newest `threshold` matter for the decision; this bounds memory per key.
    this.recent.set(key, times.slice(-this.threshold));
    return times.length;
  }

  /** Forgets keys with no activity in the last window, so memory follows recent attackers only. */
  private sweep(now: number): void {
    if (now - this.lastSweep < this.windowMs) return;
    this.lastSweep = now;
    for (const [key, times] of this.recent) {
      if (times[times.length - 1] <= now - this.windowMs) this.recent.delete(key);
    }
    for (const [key, until] of this.quietUntil) {
      if (until <= now) this.quietUntil.delete(key);
    }
  }
}
