import { describe, expect, it } from 'vitest';
import { SuspiciousActivityDetector } from './suspicious-activity.detector.js';

const WINDOW_MS = 60_000;

describe('SuspiciousActivityDetector', () => {
  it('reports once when a subject reaches the threshold, then stays quiet for the window', () => {
    const detector = new SuspiciousActivityDetector(5, WINDOW_MS);
    const reports = Array.from({ length: 9 }, (_, index) => detector.observe('user:mallory', null, 1_000 + index));
    expect(reports.slice(0, 4)).toEqual([undefined, undefined, undefined, undefined]);
    expect(reports[4]).toEqual({ by: 'subject', value: 'user:mallory', count: 5 });
    expect(reports.slice(5)).toEqual([undefined, undefined, undefined, undefined]);
    // A new burst after the quiet window reports again.
    const later = Array.from({ length: 5 }, (_, index) =>
      detector.observe('user:mallory', null, 1_000 + WINDOW_MS + 10 + index),
    );
    expect(later.filter(Boolean)).toHaveLength(1);
  });

  it('forgets events older than the window', () => {
    const detector = new SuspiciousActivityDetector(3, WINDOW_MS);
    expect(detector.observe('user:a', null, 0)).toBeUndefined();
    expect(detector.observe('user:a', null, 1)).toBeUndefined();
    expect(detector.observe('user:a', null, WINDOW_MS + 5)).toBeUndefined();
    expect(detector.observe('user:a', null, WINDOW_MS + 6)).toBeUndefined();
    expect(detector.observe('user:a', null, WINDOW_MS + 7)).toMatchObject({ by: 'subject', count: 3 });
  });

  it('counts one source address across subjects, but never lumps anonymous callers together', () => {
    const detector = new SuspiciousActivityDetector(3, WINDOW_MS);
    expect(detector.observe('anonymous', '198.51.100.1', 0)).toBeUndefined();
    expect(detector.observe('anonymous', '198.51.100.2', 1)).toBeUndefined();
    expect(detector.observe('anonymous', '198.51.100.3', 2)).toBeUndefined();
    expect(detector.observe('user:b', '203.0.113.9', 3)).toBeUndefined();
    expect(detector.observe('user:c', '203.0.113.9', 4)).toBeUndefined();
    expect(detector.observe('user:d', '203.0.113.9', 5)).toEqual({ by: 'sourceIp', value: '203.0.113.9', count: 3 });
  });

  it('raises one report when subject and address cross together', () => {
    const detector = new SuspiciousActivityDetector(2, WINDOW_MS);
    detector.observe('user:e', '192.0.2.1', 0);
    expect(detector.observe('user:e', '192.0.2.1', 1)).toMatchObject({ by: 'subject' });
    expect(detector.observe('user:e', '192.0.2.1', 2)).toBeUndefined();
  });
});
