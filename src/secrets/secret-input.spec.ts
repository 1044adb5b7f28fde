import { describe, expect, it } from 'vitest';
import { decodeValues, presentValue, validateLabels, assertWithinSizeLimit } from './secret-input.js';

describe('secret input', () => {
  it('decodes UTF-8 and base64 values and rejects bad keys without echoing the value', () => {
    expect(decodeValues({ a: 'hé' }).a.toString()).toBe('hé');
    expect(decodeValues({ b: 'AAE=' }, 'base64').b).toEqual(Buffer.from([0, 1]));
    expect(() => decodeValues({ 'bad key': 'canary-xyz' })).toThrow(/bad key/);
    expect(() => decodeValues({ k: 'not base64!canary' }, 'base64')).toThrow(/^(?!.*canary).*not valid base64/);
  });

  it('enforces the 1 MiB limit', () => {
    expect(() => assertWithinSizeLimit({ k: Buffer.alloc(1024 * 1024) })).toThrow(/at most 1048576/);
  });

  it('validates label keys and values as Kubernetes does', () => {
    expect(validateLabels({ 'app.kubernetes.io/name': 'api', tier: 'db' })).toEqual({
      'app.kubernetes.io/name': 'api',
      tier: 'db',
    });
    expect(() => validateLabels({ 'bad key': 'x' })).toThrow(/label key/);
    expect(() => validateLabels({ ok: 'bad value!' })).toThrow(/invalid value/);
  });

  it('presents text as UTF-8 and binary as flagged base64', () => {
    expect(presentValue(Buffer.from('text'))).toEqual({ value: 'text', encoding: 'utf8' });
    expect(presentValue(Buffer.from([0xff, 0xfe]))).toEqual({ value: '//4=', encoding: 'base64' });
  });
});
