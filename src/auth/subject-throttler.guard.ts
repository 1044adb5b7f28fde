import { ExecutionContext, Injectable } from '@nestjs/common';
import { GqlExecutionContext } from '@nestjs/graphql';
import { ThrottlerGuard, type ThrottlerLimitDetail } from '@nestjs/throttler';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Actor } from '../common/actor.js';
import { IS_PUBLIC } from '../common/http/route-decorators.js';
import { DomainError, ErrorCode } from '../common/errors/domain-error.js';

/**
 * Per-subject rate limit across every route and operation, for REST and GraphQL alike.
 * Runs after authentication, so the bucket is the caller's subject (the address only if a
 * request ever arrived here unauthenticated). Requests that fail authentication never get here:
 * AuthFailureLimiter counts those per source address. @Public() probes and scrapes are not limited.
 */
@Injectable()
export class SubjectThrottlerGuard extends ThrottlerGuard {
  protected override shouldSkip(context: ExecutionContext): Promise<boolean> {
    return Promise.resolve(
      this.reflector.getAllAndOverride<boolean>(IS_PUBLIC, [context.getHandler(), context.getClass()]) ?? false,
    );
  }

  protected override getTracker(request: Record<string, unknown>): Promise<string> {
    const actor = request.user as Actor | undefined;
    return Promise.resolve(actor ? actor.subject : `ip:${String(request.ip)}`);
  }

  protected override getRequestResponse(context: ExecutionContext): {
    req: Record<string, unknown>;
    res: Record<string, unknown>;
  } {
    if (context.getType<string>() === 'graphql') {
      const { req, res } = GqlExecutionContext.create(context).getContext<{ req: FastifyRequest; res: FastifyReply }>();
      return { req: req as unknown as Record<string, unknown>, res: res as unknown as Record<string, unknown> };
    }
    const http = context.switchToHttp();
    return { req: http.getRequest(), res: http.getResponse() };
  }

  // One budget per subject, not one per route.
  protected override generateKey(_context: ExecutionContext, tracker: string, throttlerName: string): string {
    return `${throttlerName}:${tracker}`;
  }

  protected override throwThrottlingException(_context: ExecutionContext, detail: ThrottlerLimitDetail): Promise<void> {
    throw new DomainError(
      ErrorCode.RateLimited,
      `Rate limit of ${detail.limit} requests per ${detail.ttl / 1000} s exceeded`,
      {
        retryAfterSeconds: Math.max(1, Math.ceil(detail.timeToBlockExpire || detail.timeToExpire)),
      },
    );
  }
}
