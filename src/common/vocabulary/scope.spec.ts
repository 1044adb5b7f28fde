import { describe, expect, it } from 'vitest';
import { globCovers, globMatches, scopeCovers, scopeMatches } from './scope.js';

describe('globMatches', () => {
  it.each([
    ['*', 'anything', true],
    ['db-*', 'db-main', true],
    ['db-*', 'db-', true],
    ['db-*', 'api-key', false],
    ['db-?', 'db-1', true],
    ['db-?', 'db-12', false],
    ['*-key', 'api-key', true],
    ['a*b*c', 'axxbyyc', true],
    ['a*b*c', 'axxbyy', false],
    ['exact', 'exact', true],
    ['exact', 'exactly', false],
  ])('%s matches %s: %s', (pattern, name, expected) => {
    expect(globMatches(pattern, name)).toBe(expected);
  });
});

describe('globCovers', () => {
  it.each([
    ['*', 'db-*', true],
    ['db-*', 'db-*', true],
    ['db-*', 'db-main-*', true],
    ['db-*', 'db-main', true],
    ['db-*', '*', false],
    ['db-*', 'd*', false],
    ['db-main', 'db-*', false],
    ['db-?', 'db-?', true],
    ['db-?', 'db-*', false],
    ['db-*', 'db-?', true],
    ['?', '*', false],
  ])('%s covers %s: %s', (outer, inner, expected) => {
    expect(globCovers(outer, inner)).toBe(expected);
  });
});

describe('scopes', () => {
  it('matches a wildcard namespace and an exact one', () => {
    expect(scopeMatches({ namespace: '*', namePattern: 'db-*' }, 'team-b', 'db-x')).toBe(true);
    expect(scopeMatches({ namespace: 'team-a', namePattern: '*' }, 'team-b', 'db-x')).toBe(false);
  });

  it('covers a namespace wildcard only with a wildcard', () => {
    expect(scopeCovers({ namespace: 'team-a', namePattern: '*' }, { namespace: '*', namePattern: 'x' })).toBe(false);
    expect(scopeCovers({ namespace: '*', namePattern: '*' }, { namespace: 'team-a', namePattern: 'x' })).toBe(true);
    expect(
      scopeCovers({ namespace: 'team-a', namePattern: 'db-*' }, { namespace: 'team-a', namePattern: 'db-1' }),
    ).toBe(true);
  });
});
