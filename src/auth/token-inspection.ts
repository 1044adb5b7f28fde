/**
 * Checks made on a bearer token before any signature work (RFC 8725): size, shape, algorithm
 * allow-list, and the `crit` header. Pure, so each rule is unit tested.
 */
export const MAX_TOKEN_BYTES = 8 * 1024;

export interface JoseHeader {
  readonly alg: string;
  readonly kid?: string;
  readonly [name: string]: unknown;
}

export class TokenRejected extends Error {}

export function inspectToken(token: string, allowedAlgorithms: readonly string[]): JoseHeader {
  if (Buffer.byteLength(token) > MAX_TOKEN_BYTES) {
    throw new TokenRejected(`token larger than ${MAX_TOKEN_BYTES} bytes`);
  }
  const parts = token.split('.');
  if (parts.length !== 3 || parts.some((part) => !/^[A-Za-z0-9_-]*$/.test(part))) {
    throw new TokenRejected('malformed token');
  }
  const header = decodeJoseSegment(parts[0]);
  if (!header) throw new TokenRejected('malformed token');
  if (typeof header.alg !== 'string' || header.alg.toLowerCase() === 'none') {
    throw new TokenRejected('unsigned tokens are not accepted');
  }
  if (!allowedAlgorithms.includes(header.alg)) {
    throw new TokenRejected(`algorithm ${header.alg} is not accepted`);
  }
  // RFC 7515 §4.1.11: the broker understands no critical extension, so any `crit` is fatal.
  if ('crit' in header) {
    throw new TokenRejected('token has critical header parameters the broker does not understand');
  }
  if (header.kid !== undefined && typeof header.kid !== 'string') {
    throw new TokenRejected('malformed token');
  }
  return header as JoseHeader;
}

/** A base64url JSON object (a JWT header or, unverified, a payload); undefined when it is not one. */
export function decodeJoseSegment(segment: string): Record<string, unknown> | undefined {
  try {
    const parsed: unknown = JSON.parse(Buffer.from(segment, 'base64url').toString('utf8'));
    if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed))
      return parsed as Record<string, unknown>;
  } catch {
    // not JSON: the caller treats it as malformed
  }
  return undefined;
}

// Control characters (C0, DEL, C1) and lone surrogates: no identifier has them, and text holding
// them breaks storage (PostgreSQL refuses NUL) or misleads whoever reads the audit trail.
const UNPRINTABLE = /[\p{Cc}\p{Cs}]/u;

/** Whether a claim value that becomes a subject holds characters no subject may have. */
export function hasUnprintableCharacters(text: string): boolean {
  return UNPRINTABLE.test(text);
}
