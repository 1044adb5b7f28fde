import { Inject, Injectable } from '@nestjs/common';
import { lookup } from 'node:dns/promises';
import { BlockList, isIP, type LookupFunction } from 'node:net';
import type { AppConfig } from '../config/app-config.js';
import { APP_CONFIG } from '../config/config.module.js';

/** One resolved address of a host name. */
export interface ResolvedAddress {
  readonly address: string;
  readonly family: 4 | 6;
}

/** Resolves host names for webhook deliveries (the system resolver); replaced in tests. */
@Injectable()
export class HostResolver {
  async resolve(hostname: string): Promise<ResolvedAddress[]> {
    const found = await lookup(hostname, { all: true, verbatim: true });
    return found.map(({ address, family }) => ({ address, family: family === 6 ? 6 : 4 }));
  }
}

/** Thrown by the guarded lookup: the name resolved to an address deliveries may not reach. */
export class DestinationRefused extends Error {
  readonly code = 'EDESTINATIONREFUSED';
  constructor() {
    super('destination not allowed');
  }
}

// Loopback, "this network", private (RFC 1918, unique local), shared (CGNAT), link-local (which
// holds the cloud metadata addresses), multicast and reserved ranges.
const DENIED_V4 = [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
] as const;
const DENIED_V6 = [
  ['::', 128],
  ['::1', 128],
  ['fc00::', 7],
  ['fe80::', 10],
  ['ff00::', 8],
] as const;
// IPv6 forms that carry an IPv4 address: IPv4-mapped and NAT64.
const EMBEDDED_V4 = /^(?:::ffff:|64:ff9b::)(\d{1,3}(?:\.\d{1,3}){3})$/i;

/**
 * Where webhook deliveries may connect: in production never to loopback, private, link-local or
 * metadata addresses unless WEBHOOK_ALLOWED_NETWORKS names them; outside production loopback is
 * allowed too (receivers on the developer's machine), the rest is not. Decided on every address
 * a name resolves to, at connect time, so a name that resolves elsewhere later (DNS rebinding)
 * is caught on the connection it would be used for.
 */
@Injectable()
export class DestinationPolicy {
  private readonly denied = new BlockList();
  private readonly allowed = new BlockList();

  constructor(
    @Inject(APP_CONFIG) config: Pick<AppConfig, 'production' | 'webhooks'>,
    private readonly resolver: HostResolver,
  ) {
    for (const [network, bits] of DENIED_V4) this.denied.addSubnet(network, bits, 'ipv4');
    for (const [network, bits] of DENIED_V6) this.denied.addSubnet(network, bits, 'ipv6');
    const allowed = [...config.webhooks.allowedNetworks, ...(config.production ? [] : ['127.0.0.0/8', '::1/128'])];
    for (const cidr of allowed) {
      const [network, bits] = cidr.split('/');
      const family = isIP(network) === 6 ? 'ipv6' : 'ipv4';
      this.allowed.addSubnet(network, Number(bits), family);
    }
  }

  /** Whether a delivery may connect to this address. */
  allows(address: string): boolean {
    const embedded = EMBEDDED_V4.exec(address)?.[1];
    const [candidate, family] = embedded
      ? [embedded, 'ipv4' as const]
      : [address, isIP(address) === 6 ? ('ipv6' as const) : ('ipv4' as const)];
    if (this.allowed.check(candidate, family)) return true;
    return !this.denied.check(candidate, family);
  }

  /** False for a URL whose host is an IP literal deliveries may not reach (names are checked at connect time). */
  allowsLiteral(url: string): boolean {
    const hostname = new URL(url).hostname;
    const host = hostname.startsWith('[') ? hostname.slice(1, -1) : hostname;
    return isIP(host) === 0 || this.allows(host);
  }

  /**
   * A `lookup` for http.request: resolves with the HostResolver and fails with DestinationRefused
   * when any address is refused, so the connection is never opened. (Node does not call it for
   * an IP literal: check those with `allows` first.)
   */
  readonly lookup: LookupFunction = (hostname, options, callback) => {
    this.resolver.resolve(hostname).then(
      (addresses) => {
        if (addresses.length === 0 || !addresses.every(({ address }) => this.allows(address))) {
          callback(new DestinationRefused(), '', 4);
        } else if (options.all) {
          (callback as unknown as (error: null, all: ResolvedAddress[]) => void)(null, addresses);
        } else {
          const wanted = addresses.find(({ family }) => !options.family || family === options.family) ?? addresses[0];
          callback(null, wanted.address, wanted.family);
        }
      },
      (error: NodeJS.ErrnoException) => callback(error, '', 4),
    );
  };
}
