import type { FastifyRequest } from 'fastify';
import { DomainError, ErrorCode } from '../errors/domain-error.js';

/** The one media type request bodies may have. */
export const ACCEPTED_MEDIA_TYPE = 'application/json';

/**
 * An `onRequest` hook on matched routes: a body must be sent as application/json (any other
 * media type, or none, is 415 naming the accepted one, before the body is read), and
 * application/json with an empty body counts as no body, so routes whose body is optional
 * accept it.
 */
export function requireJsonBody(request: FastifyRequest): Promise<void> {
  const contentType = request.headers['content-type'];
  if (!carriesBody(request)) {
    // Fastify's JSON parser refuses an empty body; without the header there is nothing to parse.
    if (isJson(contentType)) delete request.raw.headers['content-type'];
    return Promise.resolve();
  }
  if (request.routeOptions.url === undefined || isJson(contentType)) return Promise.resolve();
  const sent = contentType === undefined ? 'A body without Content-Type' : `Content-Type ${mediaTypeOf(contentType)}`;
  return Promise.reject(
    new DomainError(ErrorCode.UnsupportedMediaType, `${sent} is not accepted; send ${ACCEPTED_MEDIA_TYPE}`),
  );
}

function carriesBody(request: FastifyRequest): boolean {
  const length = request.headers['content-length'];
  return (length !== undefined && length !== '0') || request.headers['transfer-encoding'] !== undefined;
}

function isJson(contentType: string | undefined): boolean {
  return contentType !== undefined && mediaTypeOf(contentType) === ACCEPTED_MEDIA_TYPE;
}

/** The media type without parameters, lower case: `Application/JSON; charset=utf-8` is `application/json`. */
function mediaTypeOf(contentType: string): string {
  return contentType.split(';')[0].trim().toLowerCase();
}
