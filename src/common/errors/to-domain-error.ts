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
    const status = error.getStatus();
    return new DomainError(codeForHttpStatus(status), httpExceptionMessage(error));
  }
  if (isHttpError(error)) {
    return new DomainError(codeForHttpStatus(error.status), error.expose ? error.message : 'Request failed');
  }
  return new DomainError(ErrorCode.Internal, 'An unexpected error occurred', { cause: error });
}

function httpExceptionMessage(error: HttpException): string {
  const response = error.getResponse();
  if (typeof response === 'object' && response !== null && 'message' in response) {
    const message = (response as { message: unknown }).message;
    if (Array.isArray(message)) return message.join('; ');
    if (typeof message === 'string') return message;
  }
  return error.message;
}

/** Errors from Express middleware (body-parser) carry `status` and `expose`. */
function isHttpError(error: unknown): error is { status: number; message: string; expose: boolean } {
  return (
    typeof error === 'object' &&
    error !== null &&
    typeof (error as { status?: unknown }).status === 'number' &&
    typeof (error as { message?: unknown }).message === 'string'
  );
}
