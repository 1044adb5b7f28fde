/**
 * Errors the services throw. They know nothing of HTTP or GraphQL: each transport maps the
 * code in exactly one place (ProblemDetailsFilter, formatGraphqlError).
 */
export enum ErrorCode {
  InvalidInput = 'INVALID_INPUT',
  Unprocessable = 'UNPROCESSABLE',
  Unauthenticated = 'UNAUTHENTICATED',
  Forbidden = 'FORBIDDEN',
  NotFound = 'NOT_FOUND',
  Conflict = 'CONFLICT',
  Gone = 'GONE',
  PayloadTooLarge = 'PAYLOAD_TOO_LARGE',
  UnsupportedMediaType = 'UNSUPPORTED_MEDIA_TYPE',
  RateLimited = 'RATE_LIMITED',
  /** The cluster refused the broker itself (its own RBAC) or answered unexpectedly. */
  ClusterRefused = 'CLUSTER_REFUSED',
  Unavailable = 'UNAVAILABLE',
  Internal = 'INTERNAL',
}

export interface DomainErrorOptions {
  /** Machine-readable details safe to show the caller (never a secret value). */
  readonly details?: Readonly<Record<string, unknown>>;
  readonly retryAfterSeconds?: number;
  readonly cause?: unknown;
}

export class DomainError extends Error {
  readonly details: Readonly<Record<string, unknown>> | undefined;
  readonly retryAfterSeconds: number | undefined;

  constructor(
    readonly code: ErrorCode,
    message: string,
    options: DomainErrorOptions = {},
  ) {
    super(message, { cause: options.cause });
    this.name = 'DomainError';
    this.details = options.details;
    this.retryAfterSeconds = options.retryAfterSeconds;
  }
}

export function assertUnreachable(value: never): never {
  throw new Error(`Unhandled value: ${String(value)}`);
}
