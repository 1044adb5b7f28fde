import { Inject, Injectable } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import type { FastifyRequest } from 'fastify';
import { ExtractJwt, Strategy } from 'passport-jwt';
import { APP_CONFIG } from '../config/config.module.js';
import type { AppConfig } from '../config/app-config.js';
import { USER_PREFIX, type Actor } from '../common/actor.js';
import { JwtKeyResolver } from './jwt-keys.js';
import { hasUnprintableCharacters, inspectToken, TokenRejected } from './token-inspection.js';
import { actorOf } from './request-actor.js';
import { VerifiedTokens } from './verified-tokens.js';

const bearerTokenOf = ExtractJwt.fromAuthHeaderAsBearerToken();

interface VerifiedClaims {
  readonly sub?: unknown;
  readonly exp?: unknown;
  readonly iat?: unknown;
  readonly [claim: string]: unknown;
}

/**
 * passport-jwt verifies signature, exp, nbf, iss and aud (jsonwebtoken). What jsonwebtoken does
 * not do is added around it: pre-signature inspection in the key provider, and in validate()
 * a required `exp`, a bounded `iat`, and a non-empty `sub`; `sub` and groups without control
 * characters. A token that passed all of that is remembered (by digest, until its `exp`), so
 * presenting it again skips the verification; the actor is still built from each request.
 */
@Injectable()
export class JwtStrategy extends PassportStrategy(Strategy, 'jwt') {
  private readonly groupsClaim: string;
  private readonly clockToleranceSeconds: number;
  private readonly verified: VerifiedTokens;

  constructor(@Inject(APP_CONFIG) config: Pick<AppConfig, 'jwt' | 'cache'>) {
    const keys = new JwtKeyResolver(config.jwt);
    super({
      jwtFromRequest: bearerTokenOf,
      passReqToCallback: true,
      algorithms: [...keys.algorithms],
      issuer: config.jwt.issuer,
      audience: config.jwt.audience,
      ignoreExpiration: false,
      jsonWebTokenOptions: { clockTolerance: config.jwt.clockToleranceSeconds },
      secretOrKeyProvider: (
        _request: FastifyRequest,
        rawToken: string,
        done: (error: Error | null, key?: string) => void,
      ) => {
        let header;
        try {
          header = inspectToken(rawToken, keys.algorithms);
        } catch (error) {
          done(error as Error);
          return;
        }
        keys.keyFor(header).then(
          (key) => done(null, key),
          (error: Error) => done(error),
        );
      },
    });
    this.groupsClaim = config.jwt.groupsClaim;
    this.clockToleranceSeconds = config.jwt.clockToleranceSeconds;
    this.verified = new VerifiedTokens(config.cache.verifiedTokens);
  }

  /**
   * Passport's entry point, per request: a token verified before succeeds without verifying
   * again. Passport's types say Express; the guard hands it the Fastify request.
   */
  override authenticate(request: Parameters<Strategy['authenticate']>[0], options?: unknown): void {
    const actor = this.recognised(request as unknown as FastifyRequest);
    if (actor) {
      this.success(actor);
      return;
    }
    super.authenticate(request, options);
  }

  /**
   * The actor of a request whose bearer token was verified before (and has not expired); the
   * guard asks first, so a known token costs no passport round (a strategy per request).
   */
  recognised(request: FastifyRequest): Actor | undefined {
    const token = bearerTokenOf(request);
    const identity = token === null ? undefined : this.verified.lookup(token);
    return identity && actorOf(identity.subject, identity.groups, request);
  }

  validate(request: FastifyRequest, claims: VerifiedClaims): Actor {
    if (typeof claims.exp !== 'number') throw new TokenRejected('token has no exp claim');
    const now = Math.floor(Date.now() / 1000);
    if (typeof claims.iat === 'number' && claims.iat > now + this.clockToleranceSeconds) {
      throw new TokenRejected('token issued in the future');
    }
    if (typeof claims.sub !== 'string' || claims.sub.trim() === '') {
      throw new TokenRejected('token has no sub claim');
    }
    if (hasUnprintableCharacters(claims.sub)) throw new TokenRejected('token sub has control characters');
    const groups = groupsFrom(claims[this.groupsClaim]);
    if (groups.some(hasUnprintableCharacters)) throw new TokenRejected('token groups have control characters');
    const subject = `${USER_PREFIX}${claims.sub}`;
    const token = bearerTokenOf(request);
    if (token !== null) this.verified.remember(token, { subject, groups }, claims.exp);
    return actorOf(subject, groups, request);
  }
}

function groupsFrom(claim: unknown): string[] {
  if (typeof claim === 'string') return claim === '' ? [] : [claim];
  if (Array.isArray(claim)) return claim.filter((group): group is string => typeof group === 'string' && group !== '');
  return [];
}
