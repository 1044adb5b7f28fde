import type { Algorithm } from 'jsonwebtoken';
import jwksRsa, { type JwksClient } from 'jwks-rsa';
import type { JwtConfig } from '../config/app-config.js';
import { TokenRejected, type JoseHeader } from './token-inspection.js';

const ASYMMETRIC_ALGORITHMS: Algorithm[] = [
  'RS256',
  'RS384',
  'RS512',
  'PS256',
  'PS384',
  'PS512',
  'ES256',
  'ES384',
  'ES512',
];

/**
 * Chooses the verification key for a token. Each algorithm family gets only its own kind of
 * key (a shared secret for HS256, a public key otherwise), so an RS256 public key can never
 * be used as an HMAC secret (RFC 8725 §2.1).
 */
export class JwtKeyResolver {
  readonly algorithms: readonly Algorithm[];
  private readonly jwks: JwksClient | undefined;

  constructor(private readonly config: JwtConfig) {
    this.algorithms = [
      ...(config.hs256Secret ? (['HS256'] as const) : []),
      ...(config.publicKeyPem || config.jwksUrl ? ASYMMETRIC_ALGORITHMS : []),
    ];
    this.jwks = config.jwksUrl
      ? jwksRsa({
          jwksUri: config.jwksUrl,
          cache: true,
          cacheMaxEntries: 20,
          cacheMaxAge: 10 * 60_000,
          // A token naming an unknown kid triggers a refetch; this bounds how often.
          rateLimit: true,
          jwksRequestsPerMinute: 10,
          timeout: 5_000,
        })
      : undefined;
  }

  async keyFor(header: JoseHeader): Promise<string> {
    if (header.alg === 'HS256') {
      if (!this.config.hs256Secret) throw new TokenRejected('algorithm HS256 is not accepted');
      return this.config.hs256Secret;
    }
    if (this.jwks && (header.kid !== undefined || !this.config.publicKeyPem)) {
      try {
        const key = await this.jwks.getSigningKey(header.kid);
        return key.getPublicKey();
      } catch {
        throw new TokenRejected('no signing key matches the token');
      }
    }
    if (this.config.publicKeyPem) return this.config.publicKeyPem;
    throw new TokenRejected('no signing key matches the token');
  }
}
