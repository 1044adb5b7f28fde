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
    // Nest wraps body-parser and URI errors, keeping their (body-quoting) message; replace it.
    if (isHttpError(error.cause) || error.cause instanceof SyntaxError || error.cause instanceof URIError) {
      return new DomainError(code, bodyErrorMessage((error.cause as { type?: string }).type));
    }
    return new DomainError(code, withoutQueryString(httpExceptionMessage(error)));
  }
  if (isHttpError(error)) {
    return new DomainError(codeForHttpStatus(error.status), bodyErrorMessage(error.type));
  }
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
 * body-parser's own messages quote the request body (JSON.parse echoes the text around the
 * error), which may hold a secret value, so they are replaced by fixed text per error type.
 */
function bodyErrorMessage(type: string | undefined): string {
  switch (type) {
    case 'entity.parse.failed':
      return 'Malformed JSON body';
    case 'entity.too.large':
      return 'Request body too large';
    case 'encoding.unsupported':
    case 'charset.unsupported':
      return 'Unsupported body encoding';
    default:
      return 'The request body could not be read';
  }
}

/** Errors from Express middleware (body-parser) carry `status` and a `type`. */
function isHttpError(error: unknown): error is { status: number; message: string; type?: string } {
  return (
    typeof error === 'object' &&
    error !== null &&
    typeof (error as { status?: unknown }).status === 'number' &&
    typeof (error as { message?: unknown }).message === 'string'
  );
}
