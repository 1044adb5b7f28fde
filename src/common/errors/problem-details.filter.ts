import { ArgumentsHost, Catch, ExceptionFilter, Inject } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import { ErrorCode } from './domain-error.js';
import { describeError, problemTypeOf } from './error-catalog.js';
import { toDomainError } from './to-domain-error.js';
import { ROOT_LOGGER } from '../logging/logger.js';
import { requestIdOf } from '../http/request-id.js';

export const PROBLEM_JSON = 'application/problem+json';

/**
 * The single HTTP mapping of errors: problem+json (RFC 9457) with the request id. GraphQL
 * errors pass through untouched; formatGraphqlError maps those.
 */
@Catch()
export class ProblemDetailsFilter implements ExceptionFilter {
  constructor(@Inject(ROOT_LOGGER) private readonly logger: Logger) {}

  catch(exception: unknown, host: ArgumentsHost): unknown {
    if (host.getType<string>() === 'graphql') return exception;
    const http = host.switchToHttp();
    writeProblem(http.getRequest<FastifyRequest>(), http.getResponse<FastifyReply>(), exception, this.logger);
    return undefined;
  }
}

export function writeProblem(request: FastifyRequest, reply: FastifyReply, exception: unknown, logger: Logger): void {
  const error = toDomainError(exception);
  const { status, title } = describeError(error.code);
  const requestId = requestIdOf(request);
  if ([ErrorCode.Internal, ErrorCode.Unavailable, ErrorCode.ClusterRefused].includes(error.code)) {
    logger.error({ requestId, err: error.cause ?? error }, 'request failed');
  }
  if (reply.sent) return;
  if (error.code === ErrorCode.Unauthenticated) reply.header('WWW-Authenticate', 'Bearer error="invalid_token"');
  if (error.retryAfterSeconds !== undefined) reply.header('Retry-After', String(error.retryAfterSeconds));
  void reply
    .status(status)
    .type(PROBLEM_JSON)
    .send(
      JSON.stringify({
        type: problemTypeOf(error.code),
        title,
        status,
        detail: error.message,
        requestId,
        ...(error.details ? { details: error.details } : {}),
      }),
    );
}
