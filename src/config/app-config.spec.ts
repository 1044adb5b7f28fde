import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './app-config.js';

const SECRET = 'x'.repeat(32);
const KEY = Buffer.alloc(32, 7).toString('base64');

describe('loadConfig', () => {
  it('applies the documented defaults', () => {
    const config = loadConfig({ JWT_HS256_SECRET: SECRET, ENCRYPTION_KEY: KEY, HOME: '/nonexistent' });
    expect(config).toMatchObject({
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
      webhooks: { tickSeconds: 2, retryBaseSeconds: 10, maxAttempts: 10, timeoutSeconds: 10 },
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

  it('requires the key-encryption key', () => {
    expect(() => loadConfig({ JWT_HS256_SECRET: SECRET })).toThrow(/ENCRYPTION_KEY or ENCRYPTION_KEY_FILE must be set/);
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
    expect(config.encryptionKey).toHaveLength(32);
  });
});
