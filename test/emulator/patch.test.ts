import { describe, expect, it } from 'vitest';
import { jsonPatch, mergePatch, strategicMergePatch } from '../../src/emulator/patch.js';
import { parseLabelSelector } from '../../src/emulator/selectors.js';
import { base64Problem } from '../../src/emulator/validation.js';

describe('patch semantics', () => {
  const deployment = {
    spec: {
      template: {
        spec: {
          containers: [
            { name: 'app', image: 'app:1', env: [{ name: 'A', value: '1' }] },
            { name: 'sidecar', image: 'proxy:1' },
          ],
        },
      },
    },
  };

  it('strategic merge merges containers by name and honours $patch directives', () => {
    const patched = strategicMergePatch(deployment, {
      spec: {
        template: {
          spec: {
            '$setElementOrder/containers': [{ name: 'app' }],
            containers: [
              { name: 'app', image: 'app:2', env: [{ name: 'B', value: '2' }] },
              { name: 'sidecar', $patch: 'delete' },
            ],
          },
        },
      },
    });
    expect(patched).toEqual({
      spec: {
        template: {
          spec: {
            containers: [
              {
                name: 'app',
                image: 'app:2',
                env: [
                  { name: 'A', value: '1' },
                  { name: 'B', value: '2' },
                ],
              },
            ],
          },
        },
      },
    });
    const replaced = strategicMergePatch(
      { metadata: { labels: { a: '1', b: '2' } } },
      { metadata: { labels: { $patch: 'replace', c: '3' } } },
    );
    expect(replaced).toEqual({ metadata: { labels: { c: '3' } } });
    expect(strategicMergePatch({ finalizers: ['a'] }, { finalizers: ['b'] })).toEqual({ finalizers: ['a', 'b'] });
  });

  it('merge patch replaces lists and deletes with null', () => {
    expect(mergePatch(deployment, { spec: { template: { spec: { containers: [{ name: 'only' }] } } } })).toEqual({
      spec: { template: { spec: { containers: [{ name: 'only' }] } } },
    });
    expect(mergePatch({ a: { b: 1, c: 2 } }, { a: { b: null } })).toEqual({ a: { c: 2 } });
  });

  it('JSON patch supports move, copy and array indices, and fails on a missing path', () => {
    const doc = { data: { a: '1' }, list: ['x', 'z'] };
    expect(
      jsonPatch(doc, [
        { op: 'copy', from: '/data/a', path: '/data/b' },
        { op: 'move', from: '/data/a', path: '/data/c' },
        { op: 'add', path: '/list/1', value: 'y' },
        { op: 'add', path: '/list/-', value: 'end' },
      ]),
    ).toEqual({ data: { b: '1', c: '1' }, list: ['x', 'y', 'z', 'end'] });
    expect(doc).toEqual({ data: { a: '1' }, list: ['x', 'z'] });
    expect(() => jsonPatch(doc, [{ op: 'remove', path: '/data/missing' }])).toThrow();
  });
});

describe('selectors and base64', () => {
  it('parses set-based selectors with spaces inside parentheses', () => {
    const match = parseLabelSelector('env in ( prod , qa ),!legacy,tier');
    const obj = (labels: Record<string, string>) => ({ metadata: { labels } });
    expect(match(obj({ env: 'qa', tier: 'web' }))).toBe(true);
    expect(match(obj({ env: 'qa', tier: 'web', legacy: 'y' }))).toBe(false);
    expect(match(obj({ env: 'dev', tier: 'web' }))).toBe(false);
    expect(() => parseLabelSelector('a=b=c')).toThrow();
  });

  it('accepts only padded standard base64, as Go does', () => {
    expect(base64Problem('YWJj')).toBeUndefined();
    expect(base64Problem('YWI=')).toBeUndefined();
    expect(base64Problem('YW\nI=')).toBeUndefined();
    expect(base64Problem('YWI')).toBe('illegal base64 data at input byte 0');
    expect(base64Problem('YW-_')).toBe('illegal base64 data at input byte 2');
    expect(base64Problem('YQ==YQ==')).toBe('illegal base64 data at input byte 4');
    expect(base64Problem('YQ=')).toBe('illegal base64 data at input byte 3');
  });
});
