/**
 * Work that runs every few seconds on a timer that never keeps the process alive, one run at a
 * time: a tick (or a direct call) while a run is under way joins that run instead of stacking
 * another. A failure goes to `onError` and the next tick tries again. After stop() no run
 * starts, and stop() resolves once the run under way has finished.
 */
export class PeriodicTask {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopped = false;

  constructor(
    private readonly work: () => Promise<void>,
    private readonly onError: (error: unknown) => void,
  ) {}

  /** Long runs check this between steps, so a stop does not wait for all of their work. */
  get isStopped(): boolean {
    return this.stopped;
  }

  start(intervalSeconds: number): void {
    this.timer = setInterval(() => void this.runOnce(), intervalSeconds * 1000);
    this.timer.unref();
  }

  /** One run now, or the one under way. */
  runOnce(): Promise<void> {
    if (this.stopped) return Promise.resolve();
    this.running ??= this.work()
      .catch(this.onError)
      .finally(() => {
        this.running = undefined;
      });
    return this.running;
  }

  /**
   * A run that starts after this call: after the one under way (which may have read an earlier
   * time), so a test that moved the clock sees its work done at the new time.
   */
  async runNext(): Promise<void> {
    await this.running;
    return this.runOnce();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    await this.running;
  }
}
