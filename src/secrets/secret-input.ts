import { DomainError, ErrorCode } from '../common/errors/domain-error.js';

/** Kubernetes' own limits (validation.go), checked before anything reaches the cluster. */
export const MAX_SECRET_BYTES = 1024 * 1024;
const DATA_KEY = /^[-._a-zA-Z0-9]{1,253}$/;
const LABEL_NAME = /^([A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)$/;
const LABEL_PREFIX = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]{0,61})?[A-Za-z0-9])?$/;

export type ValueEncoding = 'utf8' | 'base64';

function unprocessable(message: string): DomainError {
  return new DomainError(ErrorCode.Unprocessable, message);
}

export function assertDataKey(key: string): void {
  if (!DATA_KEY.test(key) || key === '.' || key === '..') {
    throw unprocessable(
      `Key ${JSON.stringify(key)} is invalid: keys consist of alphanumerics, -, _ or . (at most 253)`,
    );
  }
  // Valid for Kubernetes, but JavaScript clients (client-node's serializer among them) turn an
  // assignment to it into a prototype change and silently lose the key.
  if (key === '__proto__') throw unprocessable('Key "__proto__" is reserved');
}

/** Decodes caller-supplied values; the error names the key, never the value. */
export function decodeValues(
  data: Readonly<Record<string, unknown>>,
  encoding: ValueEncoding = 'utf8',
): Record<string, Buffer> {
  return Object.fromEntries(
    Object.entries(data).map(([key, value]) => {
      assertDataKey(key);
      if (typeof value !== 'string') throw unprocessable(`Value of key ${key} must be a string`);
      if (encoding === 'base64' && !isCanonicalBase64(value))
        throw unprocessable(`Value of key ${key} is not valid base64`);
      return [key, Buffer.from(value, encoding)];
    }),
  );
}

/**
 * Strict (RFC 4648 §3.5) base64, as Go's decoder in the API server: padded to a multiple of four,
 * no stray characters, no non-zero padding bits. Node's decoder accepts all of those silently.
 */
function isCanonicalBase64(text: string): boolean {
  return (
    /^[A-Za-z0-9+/]*={0,2}$/.test(text) &&
    text.length % 4 === 0 &&
    Buffer.from(text, 'base64').toString('base64') === text
  );
}

/** `values` plus at most `generatedBytes` still to be generated fit in one Secret (checked before generating). */
export function assertWithinSizeLimit(values: Readonly<Record<string, Buffer>>, generatedBytes = 0): void {
  const size =
    Object.entries(values).reduce((total, [key, value]) => total + key.length + value.length, 0) + generatedBytes;
  if (size > MAX_SECRET_BYTES) {
    const what =
      generatedBytes > 0
        ? `Secret data could take ${size} bytes with the generated values`
        : `Secret data is ${size} bytes`;
    throw unprocessable(`${what}; Kubernetes allows at most ${MAX_SECRET_BYTES}`);
  }
}

export function validateLabels(labels: Readonly<Record<string, unknown>>): Record<string, string> {
  for (const [key, value] of Object.entries(labels)) {
    const [prefix, name] = key.includes('/') ? key.split('/', 2) : [undefined, key];
    const keyValid =
      LABEL_NAME.test(name) && (prefix === undefined || (prefix.length <= 253 && LABEL_PREFIX.test(prefix)));
    if (!keyValid) throw unprocessable(`Label key ${JSON.stringify(key)} is not a valid Kubernetes label key`);
    if (typeof value !== 'string' || !LABEL_VALUE.test(value)) throw unprocessable(`Label ${key} has an invalid value`);
  }
  return labels as Record<string, string>;
}

/** Valid UTF-8 values are returned as text; anything else as base64, flagged. */
export function presentValue(value: Buffer): { value: string; encoding: ValueEncoding } {
  const text = value.toString('utf8');
  return Buffer.from(text, 'utf8').equals(value)
    ? { value: text, encoding: 'utf8' }
    : { value: value.toString('base64'), encoding: 'base64' };
}
