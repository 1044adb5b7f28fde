import { describe, expect, it } from 'vitest';
import { nestsDeeperThan } from './json-depth.js';

function nested(depth: number): unknown {
  let value: unknown = 'leaf';
  for (let level = 0; level < depth; level++) value = level % 2 === 0 ? { next: value } : [value];
  return value;
}

describe('nestsDeeperThan', () => {
  it('counts the top-level object or array as level 1 and scalars as no level', () => {
    expect(nestsDeeperThan('text', 0)).toBe(false);
    expect(nestsDeeperThan(undefined, 0)).toBe(false);
    expect(nestsDeeperThan({}, 0)).toBe(true);
    expect(nestsDeeperThan(nested(64), 64)).toBe(false);
    expect(nestsDeeperThan(nested(65), 64)).toBe(true);
  });

  it('finds a deep branch beside shallow ones, and walks a million levels without recursion', () => {
    expect(nestsDeeperThan({ a: 1, b: [1, 2], c: { d: nested(70) } }, 64)).toBe(true);
    expect(nestsDeeperThan(nested(1_000_000), 64)).toBe(true);
  });
});
