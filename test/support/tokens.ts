import { createHmac, generateKeyPairSync, type KeyObject } from 'node:crypto';
import jwt, { type Algorithm } from 'jsonwebtoken';

export const HS256_SECRET = 'test-only-shared-secret-0123456789abcdef';

export interface TokenOptions {
  readonly algorithm?: Algorithm;
  readonly key?: string | KeyObject;
  readonly keyid?: string;
  readonly expiresInSeconds?: number;
  readonly header?: Record<string, unknown>;
}

/** A real signed JWT (HS256 with the suite's shared secret unless told otherwise). */
export function signToken(claims: Record<string, unknown>, options: TokenOptions = {}): string {
  const { algorithm = 'HS256', key = HS256_SECRET, keyid, expiresInSeconds = 300, header } = options;
  return jwt.sign(claims, key, {
    algorithm,
    expiresIn: expiresInSeconds,
    ...(keyid ? { keyid } : {}),
    ...(header ? { header: { alg: algorithm, ...header } } : {}),
  });
}

export function tokenFor(subject: string, groups: string[] = []): string {
  return signToken({ sub: subject, groups });
}

/** Builds a token by hand, for shapes jsonwebtoken refuses to produce. */
export function handmadeToken(
  header: Record<string, unknown>,
  claims: Record<string, unknown>,
  secret = HS256_SECRET,
): string {
  const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const signingInput = `${encode(header)}.${encode(claims)}`;
  const signature = header.alg === 'none' ? '' : createHmac('sha256', secret).update(signingInput).digest('base64url');
  return `${signingInput}.${signature}`;
}

export function rsaKeyPair(): { privateKey: KeyObject; publicKeyPem: string } {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return { privateKey, publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString() };
}

export function ecKeyPair(): { privateKey: KeyObject; publicKey: KeyObject } {
  return generateKeyPairSync('ec', { namedCurve: 'P-256' });
}

export function nowSeconds(): number {
  return Math.floor(Date.now() / 1000);
}
