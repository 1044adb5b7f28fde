import { HttpStatus } from '@nestjs/common';
import { assertUnreachable, ErrorCode } from './domain-error.js';

export interface ErrorDescription {
  readonly status: number;
  readonly title: string;
  /** GraphQL `extensions.code`. */
  readonly graphqlCode: string;
}

/** The one table from domain error code to transport representations. */
export function describeError(code: ErrorCode): ErrorDescription {
  switch (code) {
    case ErrorCode.InvalidInput:
      return { status: HttpStatus.BAD_REQUEST, title: 'Bad Request', graphqlCode: 'BAD_USER_INPUT' };
    case ErrorCode.Unprocessable:
      return {
        status: HttpStatus.UNPROCESSABLE_ENTITY,
        title: 'Unprocessable Content',
        graphqlCode: 'BAD_USER_INPUT',
      };
    case ErrorCode.Unauthenticated:
      return { status: HttpStatus.UNAUTHORIZED, title: 'Unauthorized', graphqlCode: 'UNAUTHENTICATED' };
    case ErrorCode.Forbidden:
      return { status: HttpStatus.FORBIDDEN, title: 'Forbidden', graphqlCode: 'FORBIDDEN' };
    case ErrorCode.NotFound:
      return { status: HttpStatus.NOT_FOUND, title: 'Not Found', graphqlCode: 'NOT_FOUND' };
    case ErrorCode.Conflict:
      return { status: HttpStatus.CONFLICT, title: 'Conflict', graphqlCode: 'CONFLICT' };
    case ErrorCode.Gone:
      return { status: HttpStatus.GONE, title: 'Gone', graphqlCode: 'GONE' };
    case ErrorCode.PayloadTooLarge:
      return {
        status: HttpStatus.PAYLOAD_TOO_LARGE,
        title: 'Content Too Large',
        graphqlCode: 'BAD_USER_INPUT',
      };
    case ErrorCode.UnsupportedMediaType:
      return {
        status: HttpStatus.UNSUPPORTED_MEDIA_TYPE,
        title: 'Unsupported Media Type',
        graphqlCode: 'BAD_USER_INPUT',
      };
    case ErrorCode.RateLimited:
      return {
        status: HttpStatus.TOO_MANY_REQUESTS,
        title: 'Too Many Requests',
        graphqlCode: 'RATE_LIMITED',
      };
    case ErrorCode.ClusterRefused:
      return { status: HttpStatus.BAD_GATEWAY, title: 'Bad Gateway', graphqlCode: 'UNAVAILABLE' };
    case ErrorCode.Unavailable:
      return {
        status: HttpStatus.SERVICE_UNAVAILABLE,
        title: 'Service Unavailable',
        graphqlCode: 'UNAVAILABLE',
      };
    case ErrorCode.Internal:
      return {
        status: HttpStatus.INTERNAL_SERVER_ERROR,
        title: 'Internal Server Error',
        graphqlCode: 'INTERNAL_SERVER_ERROR',
      };
    default:
      return assertUnreachable(code);
  }
}

/** The problem+json `type` of a code: a URN, stable where the detail text is not. */
export function problemTypeOf(code: ErrorCode): string {
  return `urn:secrets-broker:problem:${code.toLowerCase().replaceAll('_', '-')}`;
}

/** Maps an HTTP status raised by framework code (routing, body parsing) to a domain code. */
export function codeForHttpStatus(status: number): ErrorCode {
  switch (status) {
    case 400:
      return ErrorCode.InvalidInput;
    case 401:
      return ErrorCode.Unauthenticated;
    case 403:
      return ErrorCode.Forbidden;
    case 404:
      return ErrorCode.NotFound;
    case 409:
      return ErrorCode.Conflict;
    case 410:
      return ErrorCode.Gone;
    case 413:
      return ErrorCode.PayloadTooLarge;
    case 415:
      return ErrorCode.UnsupportedMediaType;
    case 422:
      return ErrorCode.Unprocessable;
    case 429:
      return ErrorCode.RateLimited;
    case 502:
      return ErrorCode.ClusterRefused;
    case 503:
      return ErrorCode.Unavailable;
    default:
      return status >= 400 && status < 500 ? ErrorCode.InvalidInput : ErrorCode.Internal;
  }
}
