import { Clock } from '../../src/common/time/clock.js';

/**
 * A clock the test moves: it starts at the real time and stands still until advanced. Passed to
 * a broker as an override (`useBroker(env, { clock })`), it is the time of every loop, expiry,
 * grace period and rotation slot; background work then runs when the test calls it.
 */
export class ManualClock extends Clock {
  private current = Date.now();

  override now(): number {
    return this.current;
  }

  advance(ms: number): void {
    this.current += ms;
  }
}
