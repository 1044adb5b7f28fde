import { describe, expect, it } from 'vitest';
import { withoutPreviousKeys, withPreviousKeys } from './previous-keys.js';

const b = (text: string) => Buffer.from(text);

describe('previous keys of a two-phase rotation', () => {
  it('adds and removes the .previous companions', () => {
    const cluster = withPreviousKeys({ password: b('new'), user: b('app') }, { password: b('old') });
    expect(Object.keys(cluster).sort()).toEqual(['password', 'password.previous', 'user']);
    expect(Object.keys(withoutPreviousKeys(cluster)).sort()).toEqual(['password', 'user']);
  });

  it('keeps a key of its own that ends in .previous', () => {
    const data = { 'a.previous': b('x'), b: b('y') };
    expect(Object.keys(withoutPreviousKeys(data))).toEqual(['a.previous', 'b']);
    const both = { a: b('1'), 'a.previous': b('2') };
    expect(Object.keys(withoutPreviousKeys(both, new Set(['a', 'a.previous'])))).toEqual(['a', 'a.previous']);
  });
});
