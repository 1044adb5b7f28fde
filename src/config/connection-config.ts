import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { ConfigError } from './config-error.js';

interface JwtEnvironment {
  readonly JWT_ISSUER?: string;
  readonly JWT_AUDIENCE?: string;
  readonly JWT_JWKS_URL?: string;
  readonly JWT_PUBLIC_KEY_FILE?: string;
  readonly JWT_HS256_SECRET?: string;
  readonly JWT_GROUPS_CLAIM: string;
  readonly JWT_CLOCK_TOLERANCE_SECONDS: number;
}

interface TlsEnvironment {
  readonly TLS_CERT_FILE?: string;
  readonly TLS_KEY_FILE?: string;
  readonly TLS_RELOAD_SECONDS: number;
}

/** How the broker reaches its database and Redis, and how it serves and verifies: TLS files, JWT keys, kubeconfig. */
export interface RedisConfig {
  readonly url: string;
  /** Prepended to every key, so several deployments (or test runs) can share one Redis. */
  readonly keyPrefix: string;
}

/** The serving certificate, read at start and again whenever the files change (cert-manager renewals). */
export interface TlsConfig {
  readonly certFile: string;
  readonly keyFile: string;
  /** How often the files are checked for a new certificate. */
  readonly reloadSeconds: number;
}

export type DatabaseConfig =
  { readonly kind: 'postgres'; readonly url: string } | { readonly kind: 'sqlite'; readonly path: string };

export interface JwtConfig {
  readonly issuer: string | undefined;
  readonly audience: string | undefined;
  readonly jwksUrl: string | undefined;
  readonly publicKeyPem: string | undefined;
  readonly hs256Secret: string | undefined;
  readonly groupsClaim: string;
  /** Allowed clock skew for exp/nbf/iat, in seconds (RFC 8725 §3.10: keep it bounded). */
  readonly clockToleranceSeconds: number;
}

export function databaseConfig(url: string): DatabaseConfig {
  return url.startsWith('sqlite:') ? { kind: 'sqlite', path: url.slice('sqlite:'.length) } : { kind: 'postgres', url };
}

export function jwtConfig(values: JwtEnvironment): JwtConfig {
  return Object.freeze({
    issuer: values.JWT_ISSUER,
    audience: values.JWT_AUDIENCE,
    jwksUrl: values.JWT_JWKS_URL,
    publicKeyPem: values.JWT_PUBLIC_KEY_FILE ? readPublicKey(values.JWT_PUBLIC_KEY_FILE) : undefined,
    hs256Secret: values.JWT_HS256_SECRET,
    groupsClaim: values.JWT_GROUPS_CLAIM,
    clockToleranceSeconds: values.JWT_CLOCK_TOLERANCE_SECONDS,
  });
}

function readPublicKey(path: string): string {
  const pem = readFileOrFail('JWT_PUBLIC_KEY_FILE', path);
  if (!pem.includes('-----BEGIN PUBLIC KEY-----')) {
    throw new ConfigError(
      `Invalid configuration: JWT_PUBLIC_KEY_FILE ${path} is not a PEM public key (BEGIN PUBLIC KEY)`,
    );
  }
  return pem;
}

export function tlsConfig(values: TlsEnvironment): TlsConfig | undefined {
  const { TLS_CERT_FILE: certFile, TLS_KEY_FILE: keyFile } = values;
  if (certFile === undefined && keyFile === undefined) return undefined;
  if (certFile === undefined || keyFile === undefined) {
    throw new ConfigError('Invalid configuration: TLS_CERT_FILE and TLS_KEY_FILE must be set together');
  }
  // Read here only to fail at start with a clear message; the server reads them itself (and again on change).
  const cert = readFileOrFail('TLS_CERT_FILE', certFile);
  const key = readFileOrFail('TLS_KEY_FILE', keyFile);
  if (!cert.includes('-----BEGIN CERTIFICATE-----')) {
    throw new ConfigError(`Invalid configuration: TLS_CERT_FILE ${certFile} is not a PEM certificate`);
  }
  if (!/-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(key)) {
    throw new ConfigError(`Invalid configuration: TLS_KEY_FILE ${keyFile} is not a PEM private key`);
  }
  return Object.freeze({ certFile, keyFile, reloadSeconds: values.TLS_RELOAD_SECONDS });
}

export function readFileOrFail(variable: string, path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    const reason = error instanceof Error && 'code' in error ? String(error.code) : 'unreadable';
    throw new ConfigError(`Invalid configuration: ${variable} cannot be read (${reason}: ${path})`);
  }
}

export function defaultKubeconfig(): string | undefined {
  const path = join(homedir(), '.kube', 'config');
  try {
    readFileSync(path);
    return path;
  } catch {
    return undefined;
  }
}
