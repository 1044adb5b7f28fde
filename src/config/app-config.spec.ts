import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './app-config.js';

const SECRET = 'x'.repeat(32);
// Fixed random bytes (a KEK must look random: see decodeKey).
const KEY_BYTES = Buffer.from('9f1c3a7e52d40b86e1f7a93c0d5b2e68a4c71f09b3e8d256c0a7f41e9b62d3c8', 'hex');
const KEY = KEY_BYTES.toString('base64');

describe('loadConfig', () => {
  it.each([
    [undefined, true],
    ['production', true],
    ['test', true],
    ['staging', true],
    ['Development', true],
    ['development', false],
  ])('NODE_ENV=%s behaves as production: %s', (nodeEnv, production) => {
    const env = {
      JWT_HS256_SECRET: SECRET,
      ENCRYPTION_KEY: KEY,
      ...(nodeEnv === undefined ? {} : { NODE_ENV: nodeEnv }),
    };
    expect(loadConfig(env).production).toBe(production);
  });

  it('applies the documented defaults', () => {
    const config = loadConfig({ JWT_HS256_SECRET: SECRET, ENCRYPTION_KEY: KEY, HOME: '/nonexistent' });
    expect(config).toMatchObject({
      production: true,
      port: 8080,
      host: '0.0.0.0',
      database: { kind: 'sqlite', path: './data/broker.sqlite' },
      jwt: { groupsClaim: 'groups', issuer: undefined, audience: undefined },
      kubernetesTokenReview: false,
      bootstrapAdmins: [],
      managedNamespaces: undefined,
      logLevel: 'info',
      retainedVersions: 2,
      trustProxy: [],
      tokenReviewAudiences: ['secrets-broker'],
      authFailureLimitPerMinute: 30,
      minGeneratedEntropyBits: 64,
      auditCheckpoint: { intervalSeconds: 60, namespace: 'default', file: undefined },
      cache: {
        watchSecrets: true,
        watchLabelSelector: undefined,
        versionCheckSeconds: 5,
        verifiedTokens: 10_000,
        maxStalenessSeconds: 60,
      },
      rotation: {
        schedulerEnabled: true,
        tickSeconds: 5,
        minIntervalSeconds: 60,
        jitterSeconds: 30,
        retryBaseSeconds: 30,
        driftCheckSeconds: 60,
      },
      webhooks: { dispatchSeconds: 0.5, tickSeconds: 2, retryBaseSeconds: 10, maxAttempts: 10, timeoutSeconds: 10 },
      leases: { minTtlSeconds: 60, maxTtlSeconds: 86_400, sweepSeconds: 10 },
      redis: undefined,
      shutdownGraceSeconds: 20,
    });
    expect(Object.isFrozen(config)).toBe(true);
  });

  it.each([
    [{ PORT: 'eighty' }, 'PORT'],
    [{ PORT: '70000' }, 'PORT'],
    [{ DATABASE_URL: 'mysql://x' }, 'DATABASE_URL'],
    [{ LOG_LEVEL: 'loud' }, 'LOG_LEVEL'],
    [{ JWT_HS256_SECRET: 'short' }, 'JWT_HS256_SECRET'],
    [{ JWT_JWKS_URL: 'not a url' }, 'JWT_JWKS_URL'],
    [{ BOOTSTRAP_ADMINS: 'alice' }, 'BOOTSTRAP_ADMINS'],
    [{ KUBERNETES_TOKEN_REVIEW: 'yes' }, 'KUBERNETES_TOKEN_REVIEW'],
    [{ ENCRYPTION_KEY: Buffer.alloc(16).toString('base64') }, 'ENCRYPTION_KEY'],
    [{ JWT_PUBLIC_KEY_FILE: '/nonexistent.pem' }, 'JWT_PUBLIC_KEY_FILE'],
    [{ RETAINED_VERSIONS: '0' }, 'RETAINED_VERSIONS'],
    [{ SUSPICIOUS_ACTIVITY_THRESHOLD: '1' }, 'SUSPICIOUS_ACTIVITY_THRESHOLD'],
    [{ ALERT_WEBHOOK_URL: 'http://127.0.0.1:9/alerts' }, 'ALERT_WEBHOOK_SECRET'],
    [{ ALERT_WEBHOOK_URL: 'ftp://host/alerts', ALERT_WEBHOOK_SECRET: 'x'.repeat(16) }, 'ALERT_WEBHOOK_URL'],
    [{ TRUST_PROXY: 'proxy.example' }, 'TRUST_PROXY'],
    [{ MIN_GENERATED_ENTROPY_BITS: '8' }, 'MIN_GENERATED_ENTROPY_BITS'],
    [{ AUTH_FAILURE_LIMIT_PER_MINUTE: '0' }, 'AUTH_FAILURE_LIMIT_PER_MINUTE'],
    [{ AUDIT_CHECKPOINT_SECONDS: '0' }, 'AUDIT_CHECKPOINT_SECONDS'],
    [{ AUDIT_CHECKPOINT_NAMESPACE: 'Not_A_Namespace' }, 'AUDIT_CHECKPOINT_NAMESPACE'],
    [{ WATCH_SECRETS: 'yes' }, 'WATCH_SECRETS'],
    [{ CACHE_VERSION_CHECK_SECONDS: '0' }, 'CACHE_VERSION_CHECK_SECONDS'],
    [{ ROTATION_MIN_INTERVAL_SECONDS: '0' }, 'ROTATION_MIN_INTERVAL_SECONDS'],
    [{ WEBHOOK_MAX_ATTEMPTS: '0' }, 'WEBHOOK_MAX_ATTEMPTS'],
    [{ REDIS_URL: 'http://127.0.0.1:6379' }, 'REDIS_URL'],
    [{ SHUTDOWN_GRACE_SECONDS: '-1' }, 'SHUTDOWN_GRACE_SECONDS'],
    [{ CACHE_MAX_STALENESS_SECONDS: 'long' }, 'CACHE_MAX_STALENESS_SECONDS'],
  ])('names the bad variable in %j', (env, variable) => {
    expect(() => loadConfig({ JWT_HS256_SECRET: SECRET, ENCRYPTION_KEY: KEY, ...env })).toThrow(ConfigError);
    expect(() => loadConfig({ JWT_HS256_SECRET: SECRET, ENCRYPTION_KEY: KEY, ...env })).toThrow(variable);
  });

  it('reads the lease bounds and refuses a minimum above the maximum', () => {
    const base = { JWT_HS256_SECRET: SECRET, ENCRYPTION_KEY: KEY };
    const config = loadConfig({
      ...base,
      LEASE_MIN_TTL_SECONDS: '5',
      LEASE_MAX_TTL_SECONDS: '600',
      LEASE_SWEEP_SECONDS: '0.5',
    });
    expect(config.leases).toEqual({ minTtlSeconds: 5, maxTtlSeconds: 600, sweepSeconds: 0.5 });
    expect(() => loadConfig({ ...base, LEASE_MIN_TTL_SECONDS: '601', LEASE_MAX_TTL_SECONDS: '600' })).toThrow(
      'LEASE_MIN_TTL_SECONDS must not exceed LEASE_MAX_TTL_SECONDS',
    );
    expect(() => loadConfig({ ...base, LEASE_SWEEP_SECONDS: '0' })).toThrow(ConfigError);
  });

  it('shares counters through Redis when REDIS_URL is set, under the key prefix', () => {
    const config = loadConfig({
      JWT_HS256_SECRET: SECRET,
      ENCRYPTION_KEY: KEY,
      REDIS_URL: 'redis://redis.broker:6379/2',
      REDIS_KEY_PREFIX: 'prod:',
    });
    expect(config.redis).toEqual({ url: 'redis://redis.broker:6379/2', keyPrefix: 'prod:' });
  });

  it('requires a JWT verification method outside dev mode', () => {
    expect(() => loadConfig({ ENCRYPTION_KEY: KEY })).toThrow(/JWT_HS256_SECRET, JWT_PUBLIC_KEY_FILE or JWT_JWKS_URL/);
    expect(loadConfig({ BROKER_DEV_MODE: 'true', ENCRYPTION_KEY: KEY }).devMode).toBe(true);
  });

  it('serves the console only when CONSOLE is on, with OIDC when both of its settings are given', () => {
    const base = { JWT_HS256_SECRET: SECRET, ENCRYPTION_KEY: KEY };
    expect(loadConfig(base).console).toBeUndefined();
    expect(loadConfig({ ...base, CONSOLE: 'true' }).console).toEqual({ oidc: undefined });
    const oidc = { CONSOLE_OIDC_ISSUER: 'https://login.example.test/realm', CONSOLE_OIDC_CLIENT_ID: 'console' };
    expect(loadConfig({ ...base, CONSOLE: 'true', ...oidc }).console).toEqual({
      oidc: { issuer: 'https://login.example.test/realm', clientId: 'console' },
    });
    expect(() => loadConfig({ ...base, CONSOLE: 'true', CONSOLE_OIDC_ISSUER: oidc.CONSOLE_OIDC_ISSUER })).toThrow(
      /CONSOLE_OIDC_ISSUER and CONSOLE_OIDC_CLIENT_ID must be set together/,
    );
    expect(() =>
      loadConfig({ ...base, CONSOLE: 'true', CONSOLE_OIDC_ISSUER: 'not a url', CONSOLE_OIDC_CLIENT_ID: 'c' }),
    ).toThrow(/CONSOLE_OIDC_ISSUER/);
  });

  it('requires the key-encryption key', () => {
    expect(() => loadConfig({ JWT_HS256_SECRET: SECRET })).toThrow(
      /ENCRYPTION_KEY, ENCRYPTION_KEY_FILE or ENCRYPTION_KEYS must be set/,
    );
    expect(() => loadConfig({ JWT_HS256_SECRET: SECRET, ENCRYPTION_KEY: KEY, ENCRYPTION_KEY_FILE: '/x' })).toThrow(
      /mutually exclusive/,
    );
  });

  it('parses lists and the database kind', () => {
    const config = loadConfig({
      JWT_HS256_SECRET: SECRET,
      DATABASE_URL: 'postgres://u@h/db',
      BOOTSTRAP_ADMINS: 'user:alice, group:platform',
      MANAGED_NAMESPACES: 'team-a,team-b',
      ENCRYPTION_KEY: KEY,
    });
    expect(config.database).toEqual({ kind: 'postgres', url: 'postgres://u@h/db' });
    expect(config.bootstrapAdmins).toEqual(['user:alice', 'group:platform']);
    expect(config.managedNamespaces).toEqual(['team-a', 'team-b']);
    expect(config.encryptionKeys.active).toBe('default');
    expect(config.encryptionKeys.keys.get('default')).toHaveLength(32);
  });

  it('reads several key-encryption keys by id, with the active one named', () => {
    const otherBytes = Buffer.from('04b9e27c1a6f83d5e0c24b97f1a8360de5729cb14f0a63d82eb75c19a4f0d36b', 'hex');
    const other = otherBytes.toString('base64');
    const config = loadConfig({
      JWT_HS256_SECRET: SECRET,
      ENCRYPTION_KEYS: `2025:${KEY}, 2026:${other}`,
      ENCRYPTION_KEY_ACTIVE: '2026',
    });
    expect(config.encryptionKeys.active).toBe('2026');
    expect([...config.encryptionKeys.keys.keys()]).toEqual(['2025', '2026']);
    expect(config.encryptionKeys.keys.get('2026')).toEqual(otherBytes);
    const bad: Array<[Record<string, string>, RegExp]> = [
      [{ ENCRYPTION_KEYS: `a:${KEY},b:${other}` }, /ENCRYPTION_KEY_ACTIVE must name one/],
      [{ ENCRYPTION_KEYS: `a:${KEY}`, ENCRYPTION_KEY_ACTIVE: 'b' }, /ENCRYPTION_KEY_ACTIVE b is not in/],
      [{ ENCRYPTION_KEYS: `a:${KEY},a:${other}` }, /lists key a twice/],
      [{ ENCRYPTION_KEYS: KEY }, /id:base64/],
      [{ ENCRYPTION_KEYS: 'a:c2hvcnQ=' }, /ENCRYPTION_KEYS \(key a\) must be 32 bytes/],
      [{ ENCRYPTION_KEYS: `a:${KEY}`, ENCRYPTION_KEY: KEY }, /mutually exclusive/],
      [{ ENCRYPTION_KEY: KEY, ENCRYPTION_KEY_ACTIVE: 'default' }, /needs ENCRYPTION_KEYS/],
    ];
    for (const [env, message] of bad) expect(() => loadConfig({ JWT_HS256_SECRET: SECRET, ...env })).toThrow(message);
  });

  it('refuses key-encryption keys that are not random bytes in strict base64, naming the variable', () => {
    const bad: Array<[Record<string, string>, RegExp]> = [
      [{ ENCRYPTION_KEY: Buffer.alloc(32).toString('base64') }, /ENCRYPTION_KEY is not random/],
      [{ ENCRYPTION_KEYS: `a:${Buffer.alloc(32, 7).toString('base64')}` }, /ENCRYPTION_KEYS \(key a\) is not random/],
      [
        { ENCRYPTION_KEY: Buffer.from('correct horse battery staple 123').toString('base64') },
        /ENCRYPTION_KEY decodes to text/,
      ],
      [{ ENCRYPTION_KEY: `${KEY.slice(0, 10)}!${KEY.slice(10)}` }, /ENCRYPTION_KEY is not strict base64/],
      [{ ENCRYPTION_KEY: `${KEY.slice(0, 10)} ${KEY.slice(10)}` }, /ENCRYPTION_KEY is not strict base64/],
      [{ ENCRYPTION_KEY: `${KEY}AAAA` }, /ENCRYPTION_KEY is not strict base64|must be 32 bytes/],
    ];
    for (const [env, message] of bad) expect(() => loadConfig({ JWT_HS256_SECRET: SECRET, ...env })).toThrow(message);
    expect(
      loadConfig({ JWT_HS256_SECRET: SECRET, ENCRYPTION_KEY: KEY.replace(/=+$/, '') }).encryptionKeys.keys.get(
        'default',
      ),
    ).toEqual(KEY_BYTES);
  });

  it('needs the TLS certificate and key together, as readable PEM files', () => {
    const base = { JWT_HS256_SECRET: SECRET, ENCRYPTION_KEY: KEY };
    expect(loadConfig(base).tls).toBeUndefined();
    expect(() => loadConfig({ ...base, TLS_CERT_FILE: '/x.crt' })).toThrow(
      /TLS_CERT_FILE and TLS_KEY_FILE must be set together/,
    );
    expect(() => loadConfig({ ...base, TLS_CERT_FILE: '/nonexistent.crt', TLS_KEY_FILE: '/nonexistent.key' })).toThrow(
      /TLS_CERT_FILE cannot be read/,
    );
  });
});
