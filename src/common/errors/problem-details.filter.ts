import { ArgumentsHost, Catch, ExceptionFilter, Inject } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import { ErrorCode } from './domain-error.js';
import { describeError, problemTypeOf } from './error-catalog.js';
import { graphqlRefusal, type GraphqlRefusal } from './graphql-error.formatter.js';
import { toDomainError } from './to-domain-error.js';
import { ROOT_LOGGER } from '../logging/logger.js';
import { GRAPHQL_PATH } from '../http/graphql-operation.js';
import { requestIdOf } from '../http/request-id.js';

export const PROBLEM_JSON = 'application/problem+json';

/**
 * The single HTTP mapping of errors: problem+json (RFC 9457) with the request id. GraphQL
 * errors of an operation that ran pass through untouched (formatGraphqlError maps those); an
 * operation GraphQL refused before it ran is answered as GraphQL errors.
 */
@Catch()
export class ProblemDetailsFilter implements ExceptionFilter {
  constructor(@Inject(ROOT_LOGGER) private readonly logger: Logger) {}

  catch(exception: unknown, host: ArgumentsHost): unknown {
    if (host.getType<string>() === 'graphql') return exception;
    const http = host.switchToHttp();
    writeError(http.getRequest<FastifyRequest>(), http.getResponse<FastifyReply>(), exception, this.logger);
    return undefined;
  }
}

/** The answer to an error outside GraphQL execution: a GraphQL refusal on the GraphQL route, else problem+json. */
export function writeError(request: FastifyRequest, reply: FastifyReply, exception: unknown, logger: Logger): void {
  const refusal = request.routeOptions.url === GRAPHQL_PATH ? graphqlRefusal(exception) : undefined;
  if (refusal) writeGraphqlRefusal(request, reply, refusal);
  else writeProblem(request, reply, exception, logger);
}

function writeGraphqlRefusal(request: FastifyRequest, reply: FastifyReply, refusal: GraphqlRefusal): void {
  const requestId = requestIdOf(request);
  const errors = refusal.errors.map((error) => ({ ...error, extensions: { ...error.extensions, requestId } }));
  void reply.status(refusal.status).type('application/json; charset=utf-8').send(JSON.stringify({ errors }));
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
