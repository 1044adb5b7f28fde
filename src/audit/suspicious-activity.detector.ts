import type { WindowCounter } from '../common/rate-limit/window-counter.js';
import { ANONYMOUS } from './audit-event.js';

export interface SuspiciousActivity {
  /** What repeated: one subject, or one source address (for any subjects). */
  readonly by: 'subject' | 'sourceIp';
  readonly value: string;
  readonly count: number;
}

/**
 * Counts denials and failed authentications per subject and per source IP in fixed windows.
 * A key reports when its count reaches the threshold, which happens once per window, so a burst
 * raises one alert rather than one per extra denial; when subject and address cross together,
 * one report names the subject.
 *
 * With REDIS_URL the windows are the deployment's (every replica counts into the same ones);
 * otherwise they are this replica's. A burst split across two windows may go unseen up to
 * 2 × (threshold − 1) attempts; the denials themselves are all in the audit log.
 */
export class SuspiciousActivityDetector {
  constructor(
    private readonly counter: WindowCounter,
    private readonly threshold: number,
    private readonly windowMs: number,
  ) {}

  get windowSeconds(): number {
    return this.windowMs / 1000;
  }

  async observe(subject: string, sourceIp: string | null): Promise<SuspiciousActivity | undefined> {
    // Every failed authentication is `anonymous`: counting that subject would add up strangers.
    const keys: Array<[SuspiciousActivity['by'], string]> = [];
    if (subject !== ANONYMOUS) keys.push(['subject', subject]);
    if (sourceIp !== null) keys.push(['sourceIp', sourceIp]);
    const windows = await this.counter.hitAll(
      keys.map(([by, value]) => `${by}:${value}`),
      this.windowMs,
    );
    const index = windows.findIndex((window) => window.count === this.threshold);
    if (index < 0) return undefined;
    const [by, value] = keys[index];
    return { by, value, count: windows[index].count };
  }
}
