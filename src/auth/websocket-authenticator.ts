import { Inject, Injectable } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import type { IncomingMessage } from 'node:http';
import passport from 'passport';
import type { Logger } from 'pino';
import { AuditService } from '../audit/audit.service.js';
import type { Actor } from '../common/actor.js';
import { DomainError, ErrorCode } from '../common/errors/domain-error.js';
import { WebSocketAuthentication, type AuthenticatedConnection } from '../common/graphql/websocket-authentication.js';
import { requestIdFor } from '../common/http/request-id.js';
import { ROOT_LOGGER } from '../common/logging/logger.js';
import { AuthFailureLimiter } from './auth-failure-limiter.js';
import { auditFailedAuthentication, bearerToken } from './failed-authentication.js';
import { ServiceAccountAuthenticator } from './service-account.authenticator.js';
import { decodeJoseSegment, MAX_TOKEN_BYTES } from './token-inspection.js';

/**
 * GraphQL WebSocket connections are authenticated once, at connection, by the same JWT strategy
 * (and ServiceAccount TokenReview) as HTTP requests, with the same per-address failure limit and
 * the same audit of failures. The connection's stand-in request then carries the token, so each
 * subscription's guards decide as for an HTTP request.
 */
@Injectable()
export class WebSocketAuthenticator extends WebSocketAuthentication {
  constructor(
    private readonly audit: AuditService,
    private readonly serviceAccounts: ServiceAccountAuthenticator,
    private readonly failures: AuthFailureLimiter,
    @Inject(ROOT_LOGGER) private readonly logger: Logger,
  ) {
    super();
  }

  async authenticate(
    connectionParams: Readonly<Record<string, unknown>> | undefined,
    upgrade: IncomingMessage,
  ): Promise<AuthenticatedConnection> {
    const authorization = connectionParams?.authorization;
    const request = standInRequest(upgrade, typeof authorization === 'string' ? authorization : undefined);
    await this.failures.refuseIfBlocked(request.ip);
    const token = bearerToken(request.headers.authorization);
    const actor = (await viaJwtStrategy(request)) ?? (await this.viaTokenReview(token, request));
    if (!actor || !token) {
      await auditFailedAuthentication(
        this.audit,
        this.logger,
        request,
        `WebSocket connection: ${token ? 'invalid token' : 'missing bearer token'}`,
      );
      throw new DomainError(ErrorCode.Unauthenticated, 'Authentication failed');
    }
    request.user = actor;
    return { request, expiresAt: expiryOf(token) };
  }

  /** Counted as a failure before the TokenReview (and the audit write), taken back if the cluster vouches for it. */
  private async viaTokenReview(token: string | undefined, request: FastifyRequest): Promise<Actor | undefined> {
    await this.failures.reserve(request.ip);
    const actor = token ? await this.serviceAccounts.authenticate(token, request) : undefined;
    if (actor) await this.failures.release(request.ip);
    return actor;
  }
}

/** The fields of a Fastify request that authentication, throttling and audit read. */
function standInRequest(upgrade: IncomingMessage, authorization: string | undefined): FastifyRequest {
  const headers = { 'user-agent': upgrade.headers['user-agent'], ...(authorization ? { authorization } : {}) };
  const stand = {
    id: requestIdFor(upgrade),
    ip: upgrade.socket.remoteAddress,
    headers,
    user: undefined,
  };
  return stand as unknown as FastifyRequest;
}

/** The registered `jwt` strategy (JwtStrategy), run through passport as the HTTP guard runs it. */
function viaJwtStrategy(request: FastifyRequest): Promise<Actor | undefined> {
  return new Promise((resolve) => {
    const middleware = passport.authenticate('jwt', { session: false }, (error: unknown, user: Actor | false) =>
      resolve(error || !user ? undefined : user),
    ) as (req: unknown, res: unknown, next: (error?: unknown) => void) => void;
    middleware(request, {}, () => resolve(undefined));
  });
}

/** The `exp` of a token that was just verified (a ServiceAccount token's too: it is a JWT). */
function expiryOf(token: string): Date | undefined {
  if (token.length > MAX_TOKEN_BYTES) return undefined;
  const exp = decodeJoseSegment(token.split('.')[1] ?? '')?.exp;
  return typeof exp === 'number' ? new Date(exp * 1000) : undefined;
}
