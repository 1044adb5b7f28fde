import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './app-config.js';

const BASE = {
  JWT_HS256_SECRET: 'x'.repeat(32),
  ENCRYPTION_KEY: Buffer.from('9f1c3a7e52d40b86e1f7a93c0d5b2e68a4c71f09b3e8d256c0a7f41e9b62d3c8', 'hex').toString(
    'base64',
  ),
};

describe('exposure settings', () => {
  it('defaults to the documented own objects, audiences and caps', () => {
    expect(loadConfig(BASE).exposure).toEqual({
      ownObjects: {
        namespace: 'secrets-broker',
        serviceAccount: 'secrets-broker',
        configSecret: 'secrets-broker-config',
      },
      leaseAllowedAudiences: [undefined, 'secrets-broker'],
      leaseMaxActivePerSubject: 10,
      maxConnectionsPerSubject: 10,
      maxSubscriptionsPerSubject: 50,
      connectionRecheckSeconds: 1,
      metricsToken: undefined,
    });
  });

  it('reads the lease audiences, with api-server for the API server’s own', () => {
    const config = loadConfig({ ...BASE, LEASE_ALLOWED_AUDIENCES: 'vault, api-server' });
    expect(config.exposure.leaseAllowedAudiences).toEqual(['vault', undefined]);
    const custom = loadConfig({ ...BASE, KUBERNETES_TOKEN_REVIEW_AUDIENCES: 'broker-a' });
    expect(custom.exposure.leaseAllowedAudiences).toEqual([undefined, 'broker-a']);
  });

  it.each([
    ['BROKER_NAMESPACE', 'Not_A_Namespace'],
    ['BROKER_CONFIG_SECRET', '-bad'],
    ['METRICS_TOKEN', 'short'],
    ['LEASE_MAX_ACTIVE_PER_SUBJECT', '0'],
    ['GRAPHQL_WS_RECHECK_SECONDS', '0'],
  ])('refuses a bad %s, naming it', (name, value) => {
    expect(() => loadConfig({ ...BASE, [name]: value })).toThrow(ConfigError);
    expect(() => loadConfig({ ...BASE, [name]: value })).toThrow(name);
  });
});
