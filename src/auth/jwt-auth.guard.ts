import { ExecutionContext, Inject, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { AuthGuard } from '@nestjs/passport';
import type { FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import { AuditService } from '../audit/audit.service.js';
import { DomainError, ErrorCode } from '../common/errors/domain-error.js';
import { sourceAddressOf } from '../common/http/source-address.js';
import { ROOT_LOGGER } from '../common/logging/logger.js';
import type { Actor } from '../common/actor.js';
import { AuthFailureLimiter } from './auth-failure-limiter.js';
import { IS_PUBLIC, requestOf } from '../common/http/route-decorators.js';
import { JwtStrategy } from './jwt.strategy.js';
import { ServiceAccountAuthenticator } from './service-account.authenticator.js';
import { auditFailedAuthentication, bearerToken } from './failed-authentication.js';

/**
 * Authenticates every request that is not marked @Public(); failures are 401 problem+json and
 * an audit event for `anonymous` (which feeds suspicious-activity detection). An address with
 * too many recent failures is refused with 429: a failed attempt before its TokenReview and
 * audit write (`reserve`), an authenticated one by SubjectRateLimitGuard in the step that also
 * counts its rate limit. Only the local signature check (keys cached, JWKS refetches bounded)
 * runs first.
 */
@Injectable()
export class JwtAuthGuard extends AuthGuard('jwt') {
  // GraphQL runs the guards once per root field (aliases included): one HTTP request is
  // authenticated once, its outcome shared, so aliases cannot multiply audit rows or TokenReviews.
  private readonly outcomes = new WeakMap<FastifyRequest, Promise<Actor>>();

  constructor(
    private readonly reflector: Reflector,
    private readonly audit: AuditService,
    private readonly serviceAccounts: ServiceAccountAuthenticator,
    private readonly failures: AuthFailureLimiter,
    private readonly jwt: JwtStrategy,
    @Inject(ROOT_LOGGER) private readonly logger: Logger,
  ) {
    super();
  }

  override async canActivate(context: ExecutionContext): Promise<boolean> {
    const isPublic = this.reflector.getAllAndOverride<boolean>(IS_PUBLIC, [context.getHandler(), context.getClass()]);
    if (isPublic) return true;
    const request = requestOf(context);
    let outcome = this.outcomes.get(request);
    if (outcome === undefined) {
      outcome = this.authenticate(context, request);
      this.outcomes.set(request, outcome);
    }
    request.user = await outcome;
    return true;
  }

  override getRequest(context: ExecutionContext) {
    return requestOf(context);
  }

  override handleRequest<TUser = Actor>(error: unknown, user: TUser | false, info: unknown): TUser {
    if (user) return user;
    throw new DomainError(ErrorCode.Unauthenticated, `Authentication failed: ${failureReason(error ?? info)}`);
  }

  private async authenticate(context: ExecutionContext, request: FastifyRequest): Promise<Actor> {
    const recognised = this.jwt.recognised(request);
    if (recognised) return recognised;
    const address = sourceAddressOf(request);
    try {
      await super.canActivate(context);
      return request.user as Actor;
    } catch (error) {
      if (!(error instanceof DomainError) || error.code !== ErrorCode.Unauthenticated) throw error;
      // Counted before the TokenReview and the audit write, taken back if the cluster vouches for it.
      await this.failures.reserve(address);
      // Not one of ours: it may be a ServiceAccount token the cluster vouches for.
      const token = bearerToken(request.headers.authorization);
      const serviceAccount = token ? await this.serviceAccounts.authenticate(token, request) : undefined;
      if (serviceAccount) {
        await this.failures.release(address);
        return serviceAccount;
      }
      await auditFailedAuthentication(this.audit, this.logger, request, error.message);
      throw error;
    }
  }
}

/** A caller-safe reason: passport-jwt and jsonwebtoken messages name the failed check only. */
function failureReason(cause: unknown): string {
  if (cause instanceof Error) {
    if (cause.message === 'No auth token') return 'missing bearer token';
    return cause.message;
  }
  return 'invalid token';
}
