import { Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { DomainError, ErrorCode } from '../common/errors/domain-error.js';
import { sourceAddressOf } from '../common/http/source-address.js';
import { IS_PUBLIC, requestOf } from '../common/http/route-decorators.js';
import type { WindowCounter } from '../common/rate-limit/window-counter.js';
import { Clock } from '../common/time/clock.js';
import { AuthFailureLimiter } from './auth-failure-limiter.js';

export const RATE_LIMIT_WINDOW_MS = 60_000;

/** The per-subject rate limit (RATE_LIMIT_PER_MINUTE) and the fixed windows it counts in. */
export class SubjectRateLimit {
  constructor(
    readonly limit: number,
    readonly counter: WindowCounter,
  ) {}
}

/**
 * Per-subject rate limit across every route and operation, for REST and GraphQL alike. Runs
 * after authentication, so the bucket is the caller's subject (the address only if a request
 * ever arrived here unauthenticated). The same step refuses an address blocked for failed
 * authentications (AuthFailureLimiter), so with REDIS_URL an authenticated request costs one
 * Redis round trip. @Public() probes and scrapes are not limited.
 */
@Injectable()
export class SubjectRateLimitGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly failures: AuthFailureLimiter,
    private readonly rateLimit: SubjectRateLimit,
    private readonly clock: Clock,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    if (this.reflector.getAllAndOverride<boolean>(IS_PUBLIC, [context.getHandler(), context.getClass()])) return true;
    const request = requestOf(context);
    const actor = request.user;
    const tracker = actor ? actor.subject : `ip:${request.ip}`;
    // The key the @nestjs/throttler guard used (its throttler name, `subject`, twice): replicas
    // of the previous release, during a rolling update, count into the same windows.
    const window = await this.failures.admit(
      sourceAddressOf(request),
      this.rateLimit.counter,
      `subject:subject:${tracker}`,
      RATE_LIMIT_WINDOW_MS,
    );
    if (window.count > this.rateLimit.limit) {
      throw new DomainError(
        ErrorCode.RateLimited,
        `Rate limit of ${this.rateLimit.limit} requests per ${RATE_LIMIT_WINDOW_MS / 1000} s exceeded`,
        { retryAfterSeconds: Math.max(1, Math.ceil((window.closesAt - this.clock.now()) / 1000)) },
      );
    }
    return true;
  }
}
