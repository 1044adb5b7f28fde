import { describe, expect, it } from 'vitest';
import { parseLabelSelector } from './label-selector.js';

const labels = { app: 'web', tier: 'front', 'example.com/team': 'a' };

describe('parseLabelSelector', () => {
  it.each([
    ['app=web', true],
    ['app==web', true],
    ['app=db', false],
    ['app!=db', true],
    ['missing!=x', true],
    ['app', true],
    ['!app', false],
    ['!missing', true],
    ['app in (web, api)', true],
    ['app in (api)', false],
    ['app notin (api,db)', true],
    ['missing notin (x)', true],
    ['missing in (x)', false],
    ['example.com/team=a', true],
    ['app=web, tier in (front,back), !legacy', true],
    ['app=web,tier=back', false],
    ['', true],
  ])('%s matches: %s', (selector, expected) => {
    expect(parseLabelSelector(selector)(labels)).toBe(expected);
  });

  it('treats an empty value as a value', () => {
    expect(parseLabelSelector('flag=')({ flag: '' })).toBe(true);
    expect(parseLabelSelector('flag=')({})).toBe(false);
  });

  it.each(['app=web=x', 'app in web', 'app in (a b)', '=web', 'app>1', 'app in (bad value!)'])(
    'refuses %s',
    (selector) => {
      expect(() => parseLabelSelector(selector)).toThrow(/Invalid label selector requirement/);
    },
  );
});
