import { describe, expect, it, vi } from 'vitest';
import { PeriodicTask } from './periodic-task.js';

function gate(): { promise: Promise<void>; open: () => void } {
  let open = () => {};
  const promise = new Promise<void>((resolve) => (open = resolve));
  return { promise, open };
}

describe('PeriodicTask', () => {
  it('joins the run under way instead of starting a second one', async () => {
    const release = gate();
    let runs = 0;
    const task = new PeriodicTask(
      async () => {
        runs += 1;
        await release.promise;
      },
      () => {},
    );
    const first = task.runOnce();
    const second = task.runOnce();
    expect(second).toBe(first);
    release.open();
    await first;
    await task.runOnce();
    expect(runs).toBe(2);
  });

  it('runNext() waits for the run under way, then runs once more', async () => {
    const release = gate();
    let runs = 0;
    const task = new PeriodicTask(
      async () => {
        runs += 1;
        if (runs === 1) await release.promise;
      },
      () => {},
    );
    const under = task.runOnce();
    const next = task.runNext();
    expect(runs).toBe(1);
    release.open();
    await under;
    await next;
    expect(runs).toBe(2);
  });

  it('hands a failure to onError and runs again next time', async () => {
    const errors: unknown[] = [];
    let calls = 0;
    const task = new PeriodicTask(
      () => {
        calls += 1;
        return calls === 1 ? Promise.reject(new Error('first fails')) : Promise.resolve();
      },
      (error) => errors.push(error),
    );
    await task.runOnce();
    await task.runOnce();
    expect(calls).toBe(2);
    expect(errors).toEqual([new Error('first fails')]);
  });

  it('starts nothing after stop, and stop waits for the run under way', async () => {
    const release = gate();
    let finished = false;
    let runs = 0;
    const task = new PeriodicTask(
      async () => {
        runs += 1;
        await release.promise;
        finished = true;
      },
      () => {},
    );
    void task.runOnce();
    const stopped = task.stop();
    expect(task.isStopped).toBe(true);
    release.open();
    await stopped;
    expect(finished).toBe(true);
    await task.runOnce();
    expect(runs).toBe(1);
  });

  it('runs on its interval once started', async () => {
    let runs = 0;
    const task = new PeriodicTask(
      () => {
        runs += 1;
        return Promise.resolve();
      },
      () => {},
    );
    vi.useFakeTimers();
    try {
      task.start(1);
      await vi.advanceTimersByTimeAsync(3_000);
      await task.stop();
      await vi.advanceTimersByTimeAsync(3_000);
    } finally {
      vi.useRealTimers();
    }
    expect(runs).toBe(3);
  });
});
