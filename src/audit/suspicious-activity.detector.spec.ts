import { describe, expect, it } from 'vitest';
import { Clock } from '../common/time/clock.js';
import { InMemoryWindowCounter } from '../common/rate-limit/window-counter.js';
import { SuspiciousActivityDetector } from './suspicious-activity.detector.js';

const WINDOW_MS = 60_000;

class ManualClock extends Clock {
  time = 1_000;
  override now(): number {
    return this.time;
  }
}

function detector(threshold: number) {
  const clock = new ManualClock();
  return {
    clock,
    detector: new SuspiciousActivityDetector(new InMemoryWindowCounter(clock, 100), threshold, WINDOW_MS),
  };
}

async function observeTimes(subject: SuspiciousActivityDetector, times: number, who = 'user:mallory') {
  const reports = [];
  for (let i = 0; i < times; i++) reports.push(await subject.observe(who, null));
  return reports;
}

describe('SuspiciousActivityDetector', () => {
  it('reports once when a subject reaches the threshold, then stays quiet for the window', async () => {
    const { clock, detector: subject } = detector(5);
    const reports = await observeTimes(subject, 9);
    expect(reports.slice(0, 4)).toEqual([undefined, undefined, undefined, undefined]);
    expect(reports[4]).toEqual({ by: 'subject', value: 'user:mallory', count: 5 });
    expect(reports.slice(5)).toEqual([undefined, undefined, undefined, undefined]);
    // A new burst once the window closed reports again.
    clock.time += WINDOW_MS;
    expect((await observeTimes(subject, 5)).filter(Boolean)).toHaveLength(1);
  });

  it('forgets events of a closed window', async () => {
    const { clock, detector: subject } = detector(3);
    await observeTimes(subject, 2, 'user:a');
    clock.time += WINDOW_MS;
    expect(await observeTimes(subject, 3, 'user:a')).toEqual([
      undefined,
      undefined,
      { by: 'subject', value: 'user:a', count: 3 },
    ]);
  });

  it('counts one source address across subjects, but never lumps anonymous callers together', async () => {
    const { detector: subject } = detector(3);
    expect(await subject.observe('anonymous', '198.51.100.1')).toBeUndefined();
    expect(await subject.observe('anonymous', '198.51.100.2')).toBeUndefined();
    expect(await subject.observe('anonymous', '198.51.100.3')).toBeUndefined();
    expect(await subject.observe('user:b', '203.0.113.9')).toBeUndefined();
    expect(await subject.observe('user:c', '203.0.113.9')).toBeUndefined();
    expect(await subject.observe('user:d', '203.0.113.9')).toEqual({ by: 'sourceIp', value: '203.0.113.9', count: 3 });
  });

  it('raises one report when subject and address cross together', async () => {
    const { detector: subject } = detector(2);
    await subject.observe('user:e', '192.0.2.1');
    expect(await subject.observe('user:e', '192.0.2.1')).toMatchObject({ by: 'subject' });
    expect(await subject.observe('user:e', '192.0.2.1')).toBeUndefined();
  });
});
