import { describe, expect, it } from 'vitest';
import { DestinationPolicy, HostResolver, type ResolvedAddress } from './destination-policy.js';

class FixedResolver extends HostResolver {
  constructor(private readonly addresses: ResolvedAddress[]) {
    super();
  }
  override resolve(): Promise<ResolvedAddress[]> {
    return Promise.resolve(this.addresses);
  }
}

const policy = (
  nodeEnv: 'production' | 'development',
  allowedNetworks: string[] = [],
  addresses: ResolvedAddress[] = [],
) =>
  new DestinationPolicy(
    { production: nodeEnv !== 'development', webhooks: { allowedNetworks } } as unknown as ConstructorParameters<
      typeof DestinationPolicy
    >[0],
    new FixedResolver(addresses),
  );

describe('DestinationPolicy', () => {
  it.each([
    '127.0.0.1',
    '10.0.0.1',
    '172.16.5.4',
    '192.168.1.1',
    '169.254.169.254',
    '100.64.0.1',
    '0.0.0.0',
    '224.0.0.1',
    '::1',
    '::',
    'fd00:ec2::254',
    'fe80::1',
    '::ffff:169.254.169.254',
    '::ffff:10.0.0.1',
    '64:ff9b::169.254.169.254',
  ])('refuses %s in production', (address) => {
    expect(policy('production').allows(address)).toBe(false);
  });

  it.each(['203.0.113.10', '2001:db8::10', '8.8.8.8'])('allows the public address %s', (address) => {
    expect(policy('production').allows(address)).toBe(true);
  });

  it('allows what WEBHOOK_ALLOWED_NETWORKS names, and loopback outside production only', () => {
    const internal = policy('production', ['10.1.0.0/16', 'fd00:1::/64']);
    expect(internal.allows('10.1.2.3')).toBe(true);
    expect(internal.allows('10.2.0.1')).toBe(false);
    expect(internal.allows('fd00:1::5')).toBe(true);
    expect(internal.allows('127.0.0.1')).toBe(false);
    expect(policy('development').allows('127.0.0.1')).toBe(true);
    expect(policy('development').allows('169.254.169.254')).toBe(false);
  });

  it('checks IP literals in URLs, leaving names to connect time', () => {
    const production = policy('production');
    expect(production.allowsLiteral('https://169.254.169.254/latest')).toBe(false);
    expect(production.allowsLiteral('https://[::1]:8443/x')).toBe(false);
    expect(production.allowsLiteral('https://hooks.example.test/x')).toBe(true);
  });

  it('fails the lookup when any resolved address is refused, so no connection is opened', async () => {
    const mixed = policy(
      'production',
      [],
      [
        { address: '203.0.113.10', family: 4 },
        { address: '169.254.169.254', family: 4 },
      ],
    );
    const error = await new Promise<NodeJS.ErrnoException | null>((resolve) =>
      mixed.lookup('hooks.example.test', {}, (failure) => resolve(failure)),
    );
    expect(error?.code).toBe('EDESTINATIONREFUSED');
    const fine = policy('production', [], [{ address: '203.0.113.10', family: 4 }]);
    const address = await new Promise<unknown>((resolve) =>
      fine.lookup('hooks.example.test', {}, (_failure, found) => resolve(found)),
    );
    expect(address).toBe('203.0.113.10');
  });
});
