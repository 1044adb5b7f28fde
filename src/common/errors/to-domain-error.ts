import { HttpException } from '@nestjs/common';
import { DomainError, ErrorCode } from './domain-error.js';
import { codeForHttpStatus } from './error-catalog.js';

/**
 * Normalises anything thrown into a DomainError. Unknown errors become INTERNAL with a fixed
 * message: their text may carry data that must not reach a caller.
 */
export function toDomainError(error: unknown): DomainError {
  if (error instanceof DomainError) return error;
  if (error instanceof HttpException) {
    const code = codeForHttpStatus(error.getStatus());
    // Nest wraps body-parsing errors, keeping their (body-quoting) message; replace it.
    if (isBodyError(error.cause)) return new DomainError(code, bodyErrorMessage(error.cause));
    return new DomainError(code, withoutQueryString(httpExceptionMessage(error)));
  }
  if (isBodyError(error)) return new DomainError(codeForHttpStatus(statusOf(error)), bodyErrorMessage(error));
  return new DomainError(ErrorCode.Internal, 'An unexpected error occurred', { cause: error });
}

function httpExceptionMessage(error: HttpException): string {
  const response = error.getResponse();
  if (typeof response === 'object' && response !== null && 'message' in response) {
    const message = response.message;
    if (Array.isArray(message)) return message.join('; ');
    if (typeof message === 'string') return message;
  }
  return error.message;
}

// Nest's not-found message quotes the request URL (`Cannot GET /path?…`); a query string may carry a token.
function withoutQueryString(message: string): string {
  return message.replace(/^(Cannot [A-Z]+ [^?]*)\?.*$/s, '$1');
}

/**
 * The body parser's own messages quote the request body (JSON.parse echoes the text around the
 * error), which may hold a secret value, so they are replaced by fixed text per kind of failure.
 */
function bodyErrorMessage(error: BodyError): string {
  switch (error.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return 'Request body too large';
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return 'Unsupported content type; send application/json';
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return 'Empty JSON body';
    default:
      return error instanceof SyntaxError || error.code === 'FST_ERR_CTP_INVALID_JSON_BODY'
        ? 'Malformed JSON body'
        : 'The request body could not be read';
  }
}

interface BodyError {
  readonly statusCode: number;
  readonly code?: string;
}

/** A client error from reading the body: a JSON SyntaxError, or one of Fastify's content-type parser errors. */
function isBodyError(error: unknown): error is BodyError {
  if (typeof error !== 'object' || error === null) return false;
  const { statusCode, code } = error as { statusCode?: unknown; code?: unknown };
  if (typeof statusCode !== 'number' || statusCode >= 500) return false;
  return error instanceof SyntaxError || (typeof code === 'string' && code.startsWith('FST_ERR_CTP_'));
}

function statusOf(error: BodyError): number {
  return error.statusCode;
}
