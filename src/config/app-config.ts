import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { z } from 'zod';
import { ConfigError } from './config-error.js';
import {
  databaseConfig,
  defaultKubeconfig,
  jwtConfig,
  tlsConfig,
  type DatabaseConfig,
  type JwtConfig,
  type RedisConfig,
  type TlsConfig,
} from './connection-config.js';
import { alertWebhook, type AlertWebhookConfig, type SuspiciousActivityConfig } from './alerting-config.js';
import { encryptionKeys, type EncryptionKeys } from './encryption-key-config.js';
import { leaseConfig, type LeaseConfig } from './lease-config.js';
import { exposureConfig, exposureEnvironment, type ExposureConfig } from './exposure-config.js';
import { retentionConfig, retentionEnvironment, type RetentionConfig } from './retention-config.js';

export { ConfigError } from './config-error.js';
export { databaseConfig } from './connection-config.js';
export type { DatabaseConfig, JwtConfig, TlsConfig } from './connection-config.js';
export type { AlertWebhookConfig } from './alerting-config.js';
export { SINGLE_KEY_ID, type EncryptionKeys } from './encryption-key-config.js';
export type { RetentionConfig } from './retention-config.js';

/** Runtime configuration, read once from the environment and frozen. */
export interface AppConfig {
  /** Production behaviour (GraphQL introspection closed, https:// webhooks only): anything but NODE_ENV=development. */
  readonly production: boolean;
  readonly devMode: boolean;
  /** Serve the OpenAPI document at /openapi.json and its rendering at /docs, without authentication. */
  readonly apiDocs: boolean;
  /** Serve the web console at /console; undefined: off. */
  readonly console: ConsoleConfig | undefined;
  readonly port: number;
  readonly host: string;
  readonly database: DatabaseConfig;
  readonly kubeconfigPath: string | undefined;
  readonly jwt: JwtConfig;
  readonly kubernetesTokenReview: boolean;
  readonly bootstrapAdmins: readonly string[];
  /** The key-encryption keys (KEKs) of the envelope encryption of retained values. */
  readonly encryptionKeys: EncryptionKeys;
  /** How many non-current versions keep their (encrypted) values for rollback. */
  readonly retainedVersions: number;
  /** Interrupted writes younger than this are left alone at start: another replica may own them. */
  readonly reconcileGraceSeconds: number;
  /** Requests per minute allowed to one subject across the whole API. */
  readonly rateLimitPerMinute: number;
  readonly managedNamespaces: readonly string[] | undefined;
  readonly logLevel: string;
  readonly suspiciousActivity: SuspiciousActivityConfig;
  readonly alertWebhook: AlertWebhookConfig | undefined;
  /** Proxies (addresses or CIDRs) whose X-Forwarded-For is believed; empty: none. */
  readonly trustProxy: readonly string[];
  /** Audiences sent in TokenReview: a ServiceAccount token must be minted for one of them. */
  readonly tokenReviewAudiences: readonly string[];
  /** Failed authentications per source address per minute before it is refused outright (429). */
  readonly authFailureLimitPerMinute: number;
  /** Floor on the entropy of generator parameters. */
  readonly minGeneratedEntropyBits: number;
  readonly auditCheckpoint: AuditCheckpointConfig;
  readonly cache: CacheConfig;
  readonly rotation: RotationConfig;
  readonly webhooks: WebhookConfig;
  /** Serve HTTPS with this certificate and key; undefined: plain HTTP. */
  readonly tls: TlsConfig | undefined;
  readonly leases: LeaseConfig;
  /** Shared counters across replicas; undefined: in memory, per replica. */
  readonly redis: RedisConfig | undefined;
  /** On SIGTERM, how long in-flight requests and audit writes may take before the process exits anyway. */
  readonly shutdownGraceSeconds: number;
  /** The broker's own objects, lease audiences, per-subject caps on leases and sockets, `/metrics` access. */
  readonly exposure: ExposureConfig;
  readonly retention: RetentionConfig;
}

export interface ConsoleConfig {
  /** Where the console signs people in (Authorization Code + PKCE); undefined: bearer tokens only. */
  readonly oidc: { readonly issuer: string; readonly clientId: string } | undefined;
}

/** The rotation engine: scheduled rotations, two-phase grace periods, drift. */
export interface RotationConfig {
  /** Run scheduled rotations on this replica (all replicas may; each due rotation runs once). */
  readonly schedulerEnabled: boolean;
  /** How often the scheduler looks for due rotations. */
  readonly tickSeconds: number;
  /** The shortest rotation interval a policy may ask for. */
  readonly minIntervalSeconds: number;
  /** Up to this much random delay is added to each scheduled run, so rotations do not all start at once. */
  readonly jitterSeconds: number;
  /** First retry delay after a failed scheduled rotation; doubles each time. */
  readonly retryBaseSeconds: number;
  /** Where no watch runs, how often managed Secrets are compared with their current version (drift). */
  readonly driftCheckSeconds: number;
}

/** Lifecycle webhooks: delivery from the outbox. */
export interface WebhookConfig {
  /** How often the outbox is read for new lifecycle events (webhook fan-out and live GraphQL subscriptions). */
  readonly dispatchSeconds: number;
  /** How often the delivery worker looks for due deliveries. */
  readonly tickSeconds: number;
  /** First retry delay after a failed delivery; doubles each time. */
  readonly retryBaseSeconds: number;
  /** Attempts before a delivery is given up (it stays in the log, and can be redelivered). */
  readonly maxAttempts: number;
  readonly timeoutSeconds: number;
  /** CIDRs a delivery may reach although they are loopback, private, link-local or metadata addresses. */
  readonly allowedNetworks: readonly string[];
  /** Subscriptions one subject may have created (and not deleted). */
  readonly maxSubscriptionsPerSubject: number;
}

/** What the broker keeps in memory for the request path, and how it learns of changes. */
export interface CacheConfig {
  /** Serve secret reads from a watch (informer) of the managed namespaces, not one API call each. */
  readonly watchSecrets: boolean;
  /** Only Secrets matching this label selector are watched (and can be read from memory). */
  readonly watchLabelSelector: string | undefined;
  /** How often each replica checks that its grant and role caches are current (the backstop to change notifications). */
  readonly versionCheckSeconds: number;
  /** Verified tokens remembered (by digest, until they expire). */
  readonly verifiedTokens: number;
  /** While a watch is lost (API server unreachable), its cached secrets are served for this long; then reads fail. */
  readonly maxStalenessSeconds: number;
  /** A watch that hears nothing, not even a bookmark, for this long is dropped and its secrets listed again. */
  readonly watchHeartbeatSeconds: number;
}

/** Where and how often signed checkpoints of the audit chain head are written outside the database. */
export interface AuditCheckpointConfig {
  readonly intervalSeconds: number;
  /** Namespace of the Kubernetes object holding the checkpoint (the broker's own namespace). */
  readonly namespace: string;
  /** Also written to this file (dev mode: under ./data). */
  readonly file: string | undefined;
}

const SUBJECT = /^(user:.+|group:.+|serviceaccount:[a-z0-9-]+\/[a-z0-9-]+)$/;
/** The audience ServiceAccount tokens are minted for when they are meant for the broker. */
export const DEFAULT_TOKEN_AUDIENCE = 'secrets-broker';
const IN_CLUSTER_NAMESPACE_FILE = '/var/run/secrets/kubernetes.io/serviceaccount/namespace';
const IPV4_OR_CIDR = /^(\d{1,3}\.){3}\d{1,3}(\/\d{1,2})?$/;
const IPV6_OR_CIDR = /^[0-9a-fA-F:]+(\/\d{1,3})?$/;
const PROXY_KEYWORDS = ['loopback', 'linklocal', 'uniquelocal'];
const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

const optionalString = z
  .string()
  .trim()
  .transform((value) => (value === '' ? undefined : value))
  .optional();

const csv = z
  .string()
  .optional()
  .transform((value) =>
    (value ?? '')
      .split(',')
      .map((item) => item.trim())
      .filter((item) => item !== ''),
  );

const booleanFlag = z
  .enum(['true', 'false', '1', '0', ''])
  .optional()
  .transform((value) => value === 'true' || value === '1');

const environmentSchema = z.object({
  NODE_ENV: z.string().default('production'),
  BROKER_DEV_MODE: booleanFlag,
  API_DOCS: booleanFlag,
  CONSOLE: booleanFlag,
  CONSOLE_OIDC_ISSUER: optionalString.pipe(z.url({ protocol: /^https?$/ }).optional()),
  CONSOLE_OIDC_CLIENT_ID: optionalString,
  PORT: z.coerce.number().int().min(0).max(65535).default(8080),
  HOST: z.string().min(1).default('0.0.0.0'),
  DATABASE_URL: z
    .string()
    .default('sqlite:./data/broker.sqlite')
    .refine((value) => /^(postgres(ql)?:\/\/.+|sqlite:.+)$/.test(value), {
      message: 'must be postgres://… or sqlite:<path>',
    }),
  KUBECONFIG: optionalString,
  JWT_ISSUER: optionalString,
  JWT_AUDIENCE: optionalString,
  JWT_JWKS_URL: optionalString.pipe(z.url({ protocol: /^https?$/ }).optional()),
  JWT_PUBLIC_KEY_FILE: optionalString,
  JWT_HS256_SECRET: optionalString.pipe(
    z.string().min(32, 'must be at least 32 characters (RFC 7518 §3.2)').optional(),
  ),
  JWT_GROUPS_CLAIM: z.string().min(1).default('groups'),
  JWT_CLOCK_TOLERANCE_SECONDS: z.coerce.number().int().min(0).max(300).default(30),
  KUBERNETES_TOKEN_REVIEW: booleanFlag,
  BOOTSTRAP_ADMINS: csv.refine((subjects) => subjects.every((subject) => SUBJECT.test(subject)), {
    message: 'each entry must be user:<sub>, group:<name> or serviceaccount:<namespace>/<name>',
  }),
  ENCRYPTION_KEY: optionalString,
  ENCRYPTION_KEY_FILE: optionalString,
  ENCRYPTION_KEYS: optionalString,
  TLS_CERT_FILE: optionalString,
  TLS_KEY_FILE: optionalString,
  TLS_RELOAD_SECONDS: z.coerce.number().min(0.1).max(3_600).default(10),
  ENCRYPTION_KEY_ACTIVE: optionalString,
  MANAGED_NAMESPACES: csv,
  RETAINED_VERSIONS: z.coerce.number().int().min(1).max(100).default(2),
  RECONCILE_GRACE_SECONDS: z.coerce.number().int().min(0).max(86_400).default(60),
  RATE_LIMIT_PER_MINUTE: z.coerce.number().int().min(1).max(1_000_000).default(1200),
  LOG_LEVEL: z.enum(LOG_LEVELS).default('info'),
  SUSPICIOUS_ACTIVITY_THRESHOLD: z.coerce.number().int().min(2).max(10_000).default(5),
  SUSPICIOUS_ACTIVITY_WINDOW_SECONDS: z.coerce.number().int().min(1).max(86_400).default(60),
  ALERT_WEBHOOK_URL: optionalString.pipe(z.url({ protocol: /^https?$/ }).optional()),
  ALERT_WEBHOOK_SECRET: optionalString.pipe(z.string().min(16, 'must be at least 16 characters').optional()),
  TRUST_PROXY: csv.refine(
    (entries) =>
      entries.every((entry) => PROXY_KEYWORDS.includes(entry) || IPV4_OR_CIDR.test(entry) || IPV6_OR_CIDR.test(entry)),
    { message: `each entry must be an IP address, a CIDR or one of ${PROXY_KEYWORDS.join(', ')}` },
  ),
  KUBERNETES_TOKEN_REVIEW_AUDIENCES: csv,
  AUTH_FAILURE_LIMIT_PER_MINUTE: z.coerce.number().int().min(1).max(1_000_000).default(30),
  MIN_GENERATED_ENTROPY_BITS: z.coerce.number().int().min(32).max(512).default(64),
  AUDIT_CHECKPOINT_SECONDS: z.coerce.number().int().min(1).max(86_400).default(60),
  AUDIT_CHECKPOINT_NAMESPACE: optionalString.pipe(
    z
      .string()
      .regex(/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/, 'must be a Kubernetes namespace name')
      .optional(),
  ),
  AUDIT_CHECKPOINT_FILE: optionalString,
  WATCH_SECRETS: z.enum(['true', 'false']).default('true'),
  WATCH_LABEL_SELECTOR: optionalString,
  CACHE_VERSION_CHECK_SECONDS: z.coerce.number().int().min(1).max(3_600).default(5),
  VERIFIED_TOKEN_CACHE_SIZE: z.coerce.number().int().min(0).max(1_000_000).default(10_000),
  ROTATION_SCHEDULER: z.enum(['true', 'false']).default('true'),
  ROTATION_TICK_SECONDS: z.coerce.number().min(0.1).max(3_600).default(5),
  ROTATION_MIN_INTERVAL_SECONDS: z.coerce.number().int().min(1).max(31_536_000).default(60),
  ROTATION_JITTER_SECONDS: z.coerce.number().min(0).max(3_600).default(30),
  ROTATION_RETRY_BASE_SECONDS: z.coerce.number().min(0.1).max(86_400).default(30),
  DRIFT_CHECK_SECONDS: z.coerce.number().min(1).max(86_400).default(60),
  WEBHOOK_DISPATCH_SECONDS: z.coerce.number().min(0.05).max(60).default(0.5),
  WEBHOOK_TICK_SECONDS: z.coerce.number().min(0.1).max(3_600).default(2),
  WEBHOOK_RETRY_BASE_SECONDS: z.coerce.number().min(0.1).max(86_400).default(10),
  WEBHOOK_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(100).default(10),
  WEBHOOK_TIMEOUT_SECONDS: z.coerce.number().min(0.1).max(120).default(10),
  WEBHOOK_ALLOWED_NETWORKS: csv.refine((entries) => entries.every(isCidr), {
    message: 'must be a comma-separated list of CIDRs (10.1.0.0/16, fd00::/64)',
  }),
  WEBHOOK_MAX_SUBSCRIPTIONS_PER_SUBJECT: z.coerce.number().int().min(1).max(10_000).default(20),
  LEASE_MIN_TTL_SECONDS: z.coerce.number().int().min(1).max(86_400).default(60),
  LEASE_MAX_TTL_SECONDS: z.coerce.number().int().min(1).max(31_536_000).default(86_400),
  LEASE_SWEEP_SECONDS: z.coerce.number().min(0.1).max(3_600).default(10),
  REDIS_URL: optionalString.pipe(z.url({ protocol: /^rediss?$/ }).optional()),
  REDIS_KEY_PREFIX: z.string().default('secrets-broker:'),
  SHUTDOWN_GRACE_SECONDS: z.coerce.number().min(0).max(3_600).default(20),
  CACHE_MAX_STALENESS_SECONDS: z.coerce.number().min(0).max(86_400).default(60),
  WATCH_HEARTBEAT_SECONDS: z.coerce.number().min(0.5).max(3_600).default(120),
  ...exposureEnvironment,
  ...retentionEnvironment,
});

/** Validates the environment; throws ConfigError naming the first bad variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): AppConfig {
  const parsed = environmentSchema.safeParse(env);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new ConfigError(`Invalid configuration: ${issue.path.join('.')} ${issue.message}`);
  }
  const values = parsed.data;
  const jwt = jwtConfig(values);
  const tokenReviewAudiences = Object.freeze(
    values.KUBERNETES_TOKEN_REVIEW_AUDIENCES.length > 0
      ? values.KUBERNETES_TOKEN_REVIEW_AUDIENCES
      : [DEFAULT_TOKEN_AUDIENCE],
  );
  if (!values.BROKER_DEV_MODE && !jwt.hs256Secret && !jwt.publicKeyPem && !jwt.jwksUrl) {
    throw new ConfigError('Invalid configuration: JWT_HS256_SECRET, JWT_PUBLIC_KEY_FILE or JWT_JWKS_URL must be set');
  }
  return Object.freeze({
    production: values.NODE_ENV !== 'development',
    devMode: values.BROKER_DEV_MODE,
    apiDocs: values.API_DOCS,
    console: values.CONSOLE ? consoleConfig(values) : undefined,
    port: values.PORT,
    host: values.HOST,
    database: databaseConfig(values.DATABASE_URL),
    kubeconfigPath: values.KUBECONFIG ?? defaultKubeconfig(),
    jwt,
    kubernetesTokenReview: values.KUBERNETES_TOKEN_REVIEW,
    bootstrapAdmins: Object.freeze(values.BOOTSTRAP_ADMINS),
    encryptionKeys: encryptionKeys(values),
    retainedVersions: values.RETAINED_VERSIONS,
    reconcileGraceSeconds: values.RECONCILE_GRACE_SECONDS,
    rateLimitPerMinute: values.RATE_LIMIT_PER_MINUTE,
    managedNamespaces: values.MANAGED_NAMESPACES.length > 0 ? Object.freeze(values.MANAGED_NAMESPACES) : undefined,
    logLevel: values.LOG_LEVEL,
    suspiciousActivity: Object.freeze({
      threshold: values.SUSPICIOUS_ACTIVITY_THRESHOLD,
      windowSeconds: values.SUSPICIOUS_ACTIVITY_WINDOW_SECONDS,
    }),
    alertWebhook: alertWebhook(values),
    trustProxy: Object.freeze(values.TRUST_PROXY),
    tokenReviewAudiences,
    authFailureLimitPerMinute: values.AUTH_FAILURE_LIMIT_PER_MINUTE,
    minGeneratedEntropyBits: values.MIN_GENERATED_ENTROPY_BITS,
    auditCheckpoint: Object.freeze({
      intervalSeconds: values.AUDIT_CHECKPOINT_SECONDS,
      namespace: values.AUDIT_CHECKPOINT_NAMESPACE ?? ownNamespace(),
      file: values.AUDIT_CHECKPOINT_FILE,
    }),
    cache: Object.freeze({
      watchSecrets: values.WATCH_SECRETS === 'true',
      watchLabelSelector: values.WATCH_LABEL_SELECTOR,
      versionCheckSeconds: values.CACHE_VERSION_CHECK_SECONDS,
      verifiedTokens: values.VERIFIED_TOKEN_CACHE_SIZE,
      maxStalenessSeconds: values.CACHE_MAX_STALENESS_SECONDS,
      watchHeartbeatSeconds: values.WATCH_HEARTBEAT_SECONDS,
    }),
    rotation: Object.freeze({
      schedulerEnabled: values.ROTATION_SCHEDULER === 'true',
      tickSeconds: values.ROTATION_TICK_SECONDS,
      minIntervalSeconds: values.ROTATION_MIN_INTERVAL_SECONDS,
      jitterSeconds: values.ROTATION_JITTER_SECONDS,
      retryBaseSeconds: values.ROTATION_RETRY_BASE_SECONDS,
      driftCheckSeconds: values.DRIFT_CHECK_SECONDS,
    }),
    webhooks: Object.freeze({
      dispatchSeconds: values.WEBHOOK_DISPATCH_SECONDS,
      tickSeconds: values.WEBHOOK_TICK_SECONDS,
      retryBaseSeconds: values.WEBHOOK_RETRY_BASE_SECONDS,
      maxAttempts: values.WEBHOOK_MAX_ATTEMPTS,
      timeoutSeconds: values.WEBHOOK_TIMEOUT_SECONDS,
      allowedNetworks: Object.freeze(values.WEBHOOK_ALLOWED_NETWORKS),
      maxSubscriptionsPerSubject: values.WEBHOOK_MAX_SUBSCRIPTIONS_PER_SUBJECT,
    }),
    redis:
      values.REDIS_URL === undefined
        ? undefined
        : Object.freeze({ url: values.REDIS_URL, keyPrefix: values.REDIS_KEY_PREFIX }),
    shutdownGraceSeconds: values.SHUTDOWN_GRACE_SECONDS,
    tls: tlsConfig(values),
    leases: leaseConfig(values),
    exposure: exposureConfig(values, tokenReviewAudiences),
    retention: retentionConfig(values, env),
  });
}

/** In a Pod, the namespace the broker runs in; elsewhere `default`. */
function ownNamespace(): string {
  try {
    return readFileSync(IN_CLUSTER_NAMESPACE_FILE, 'utf8').trim() || 'default';
  } catch {
    return 'default';
  }
}

function isCidr(entry: string): boolean {
  const [address, bits, extra] = entry.split('/');
  const family = isIP(address ?? '');
  if (family === 0 || extra !== undefined || !/^\d{1,3}$/.test(bits ?? '')) return false;
  return Number(bits) <= (family === 4 ? 32 : 128);
}

function consoleConfig(values: { CONSOLE_OIDC_ISSUER?: string; CONSOLE_OIDC_CLIENT_ID?: string }): ConsoleConfig {
  const { CONSOLE_OIDC_ISSUER: issuer, CONSOLE_OIDC_CLIENT_ID: clientId } = values;
  if ((issuer === undefined) !== (clientId === undefined)) {
    throw new ConfigError('Invalid configuration: CONSOLE_OIDC_ISSUER and CONSOLE_OIDC_CLIENT_ID must be set together');
  }
  return { oidc: issuer && clientId ? { issuer, clientId } : undefined };
}
