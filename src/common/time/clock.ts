/** The time, as an injectable provider so tests can move it instead of waiting. */
export class Clock {
  /** Milliseconds since the epoch. */
  now(): number {
    return Date.now();
  }
}
