import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import { pathWithoutQuery } from '../logging/logger.js';
import { requireJsonBody } from './content-type.js';
import { rejectDeepJson } from './json-depth.js';
import { sendVersionEtag } from './version-etag.js';

/** Label for requests that matched no route: their paths are caller-chosen and unbounded. */
export const UNMATCHED_ROUTE = 'unmatched';

export interface RequestObserver {
  observeHttpRequest(method: string, route: string, status: number, seconds: number): void;
}

/**
 * The per-request work every request needs, as Fastify hooks and nothing more: the request id
 * echoed, GraphQL answers marked uncacheable (they may carry values), a body that is not JSON
 * refused before it is read (415), too-deep JSON refused after
 * parsing, the ETag of VersionEtag routes, and on the way out one log line (from the root logger: no child logger per request)
 * and one histogram observation labelled by route pattern, never by raw URL.
 */
export function installRequestHooks(fastify: FastifyInstance, logger: Logger, observer: RequestObserver): void {
  // Declared up front, so every request object has the same shape (Fastify's advice for speed).
  fastify.decorateRequest('user', undefined);
  fastify.addHook('onRequest', (request: FastifyRequest, reply: FastifyReply, done: () => void) => {
    reply.header('X-Request-Id', request.id);
    if (request.url.startsWith('/graphql')) reply.header('Cache-Control', 'no-store');
    done();
  });
  fastify.addHook('onRequest', (request: FastifyRequest) => requireJsonBody(request));
  fastify.addHook('preValidation', (request: FastifyRequest) => rejectDeepJson(request));
  fastify.addHook('preSerialization', sendVersionEtag);
  fastify.addHook('onSend', (request: FastifyRequest, reply: FastifyReply, payload: unknown, done) => {
    done(
      null,
      isRefusedGraphqlRequest(request, reply, payload) ? withRequestId(payload, request.id, reply.statusCode) : payload,
    );
  });
  fastify.addHook('onResponse', (request: FastifyRequest, reply: FastifyReply, done: () => void) => {
    const seconds = reply.elapsedTime / 1000;
    const route = request.routeOptions.url ?? UNMATCHED_ROUTE;
    observer.observeHttpRequest(request.method, route, reply.statusCode, seconds);
    if (logger.isLevelEnabled('info')) {
      logger.info(
        {
          requestId: request.id,
          method: request.method,
          url: pathWithoutQuery(request.url),
          route,
          statusCode: reply.statusCode,
          responseTimeMs: Math.round(reply.elapsedTime * 1000) / 1000,
        },
        'request completed',
      );
    }
    done();
  });
}

/**
 * Apollo refuses some requests before its plugins run (the CSRF check, a request that is not a
 * GraphQL request at all); those errors get the request id and status here, as every other error has them.
 */
function isRefusedGraphqlRequest(request: FastifyRequest, reply: FastifyReply, payload: unknown): payload is string {
  return (
    reply.statusCode === 400 &&
    typeof payload === 'string' &&
    request.url.startsWith('/graphql') &&
    payload.startsWith('{"errors":') &&
    !payload.includes('"requestId"')
  );
}

function withRequestId(payload: string, requestId: string, status: number): string {
  const body = JSON.parse(payload) as { errors: { extensions?: Record<string, unknown> }[] };
  const errors = body.errors.map((error) => ({ ...error, extensions: { ...error.extensions, status, requestId } }));
  return JSON.stringify({ ...body, errors });
}
