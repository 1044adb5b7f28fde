import { readFileSync } from 'node:fs';
import { z } from 'zod';

/**
 * What the broker must never hand out and how much one subject may hold open: its own objects,
 * the audiences a lease may be minted for, caps on leases and live connections, and who may
 * read `/metrics`. Kept beside app-config.ts so the security settings read as one block.
 */
export interface ExposureConfig {
  /** The broker's own objects: every verb on them is refused (403) and audited. */
  readonly ownObjects: OwnObjects;
  /** Audiences a lease may ask for; `undefined` stands for the API server's own (no audiences asked). */
  readonly leaseAllowedAudiences: readonly (string | undefined)[];
  /** Active (or pending) leases one subject may hold at once. */
  readonly leaseMaxActivePerSubject: number;
  /** Open GraphQL WebSocket connections per subject. */
  readonly maxConnectionsPerSubject: number;
  /** Live GraphQL subscriptions per subject, over all its connections. */
  readonly maxSubscriptionsPerSubject: number;
  /** How often each open WebSocket's credential is checked again (closed when it no longer passes). */
  readonly connectionRecheckSeconds: number;
  /** Bearer token `/metrics` asks for; undefined: open, as before (protect it at the network instead). */
  readonly metricsToken: string | undefined;
}

export interface OwnObjects {
  readonly namespace: string;
  readonly serviceAccount: string;
  readonly configSecret: string;
}

/** The keyword in LEASE_ALLOWED_AUDIENCES for the API server's own audience (a lease that names none). */
export const API_SERVER_AUDIENCE = 'api-server';
const POD_CREDENTIALS = '/var/run/secrets/kubernetes.io/serviceaccount';
const NAME = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
const SUBDOMAIN = /^[a-z0-9]([-.a-z0-9]{0,251}[a-z0-9])?$/;

const optionalName = (pattern: RegExp, message: string) =>
  z
    .string()
    .trim()
    .transform((value) => (value === '' ? undefined : value))
    .pipe(z.string().regex(pattern, message).optional())
    .optional();

export const exposureEnvironment = {
  BROKER_NAMESPACE: optionalName(NAME, 'must be a Kubernetes namespace name'),
  BROKER_SERVICE_ACCOUNT: optionalName(SUBDOMAIN, 'must be a Kubernetes object name'),
  BROKER_CONFIG_SECRET: optionalName(SUBDOMAIN, 'must be a Kubernetes object name'),
  LEASE_ALLOWED_AUDIENCES: z
    .string()
    .optional()
    .transform((value) =>
      (value ?? '')
        .split(',')
        .map((item) => item.trim())
        .filter((item) => item !== ''),
    )
    .refine((audiences) => audiences.every((audience) => audience.length <= 256 && !/\p{Cc}/u.test(audience)), {
      message: 'each entry must be an audience of at most 256 printable characters',
    }),
  LEASE_MAX_ACTIVE_PER_SUBJECT: z.coerce.number().int().min(1).max(100_000).default(10),
  GRAPHQL_WS_MAX_CONNECTIONS_PER_SUBJECT: z.coerce.number().int().min(1).max(10_000).default(10),
  GRAPHQL_WS_MAX_SUBSCRIPTIONS_PER_SUBJECT: z.coerce.number().int().min(1).max(100_000).default(50),
  GRAPHQL_WS_RECHECK_SECONDS: z.coerce.number().min(0.1).max(60).default(1),
  METRICS_TOKEN: z
    .string()
    .optional()
    .transform((value) => (value === undefined || value.trim() === '' ? undefined : value.trim()))
    .pipe(z.string().min(16, 'must be at least 16 characters').optional()),
};

type ExposureEnvironment = z.infer<z.ZodObject<typeof exposureEnvironment>>;

/** In a Pod the namespace and ServiceAccount come from the Pod's own credentials, else the documented defaults. */
export function exposureConfig(values: ExposureEnvironment, tokenReviewAudiences: readonly string[]): ExposureConfig {
  const pod = podIdentity();
  return Object.freeze({
    ownObjects: Object.freeze({
      namespace: values.BROKER_NAMESPACE ?? pod?.namespace ?? 'secrets-broker',
      serviceAccount: values.BROKER_SERVICE_ACCOUNT ?? pod?.serviceAccount ?? 'secrets-broker',
      configSecret: values.BROKER_CONFIG_SECRET ?? 'secrets-broker-config',
    }),
    leaseAllowedAudiences: Object.freeze(
      values.LEASE_ALLOWED_AUDIENCES.length > 0
        ? values.LEASE_ALLOWED_AUDIENCES.map((audience) => (audience === API_SERVER_AUDIENCE ? undefined : audience))
        : [undefined, ...tokenReviewAudiences],
    ),
    leaseMaxActivePerSubject: values.LEASE_MAX_ACTIVE_PER_SUBJECT,
    maxConnectionsPerSubject: values.GRAPHQL_WS_MAX_CONNECTIONS_PER_SUBJECT,
    maxSubscriptionsPerSubject: values.GRAPHQL_WS_MAX_SUBSCRIPTIONS_PER_SUBJECT,
    connectionRecheckSeconds: values.GRAPHQL_WS_RECHECK_SECONDS,
    metricsToken: values.METRICS_TOKEN,
  });
}

/** The Pod's namespace file and its token's `sub` (system:serviceaccount:<namespace>:<name>). */
function podIdentity(): { namespace: string; serviceAccount: string | undefined } | undefined {
  let namespace: string;
  try {
    namespace = readFileSync(`${POD_CREDENTIALS}/namespace`, 'utf8').trim();
  } catch {
    return undefined;
  }
  if (!NAME.test(namespace)) return undefined;
  return { namespace, serviceAccount: podServiceAccount(namespace) };
}

function podServiceAccount(namespace: string): string | undefined {
  try {
    const token = readFileSync(`${POD_CREDENTIALS}/token`, 'utf8').trim();
    const payload = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8')) as {
      sub?: unknown;
    };
    const prefix = `system:serviceaccount:${namespace}:`;
    return typeof payload.sub === 'string' && payload.sub.startsWith(prefix)
      ? payload.sub.slice(prefix.length)
      : undefined;
  } catch {
    return undefined;
  }
}
