import type { FastifyRequest } from 'fastify';

/**
 * The one place that decides where a request came from. X-Forwarded-For is believed only when
 * the peer is a proxy named in TRUST_PROXY (addresses, CIDRs, `loopback`, `linklocal`,
 * `uniquelocal`); with none named, the peer address is the source, so no caller can write
 * another address into the audit trail or the per-address limits.
 */
export function trustProxySetting(trustedProxies: readonly string[]): false | string[] {
  // Fastify's `trustProxy` takes this form, compiled by proxy-addr.
  return trustedProxies.length === 0 ? false : [...trustedProxies];
}

/** The caller's address as the framework derived it under the trust setting above. */
export function sourceAddressOf(request: Pick<FastifyRequest, 'ip'>): string | undefined {
  return request.ip;
}
