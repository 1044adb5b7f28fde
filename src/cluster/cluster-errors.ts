import { ApiException } from '@kubernetes/client-node';
import { DomainError, ErrorCode } from '../common/errors/domain-error.js';
import type { RetryDecision } from './retry.js';

interface KubernetesStatus {
  readonly reason?: string;
  readonly message?: string;
  readonly details?: {
    readonly causes?: ReadonlyArray<{ readonly field?: string; readonly message?: string; readonly reason?: string }>;
  };
}

/** Reads (and only reads) are retried: 5xx, 429 and transport failures. */
export function classifyForRetry(error: unknown): RetryDecision {
  if (error instanceof ApiException) {
    const code = error.code;
    if (code === 429 || code >= 500) return { retry: true, retryAfterSeconds: retryAfter(error) };
    return { retry: false };
  }
  return { retry: true };
}

/**
 * Kubernetes answers become domain errors. The API server's messages name objects, never
 * values, so they are safe to pass on; transport errors are summarised.
 */
export function toClusterError(error: unknown, what: string): DomainError {
  if (!(error instanceof ApiException)) {
    return new DomainError(ErrorCode.Unavailable, `Kubernetes API unreachable while trying to ${what}`, {
      cause: error,
    });
  }
  const status = statusOf(error.body);
  const message = status.message ?? `HTTP ${error.code}`;
  switch (error.code) {
    case 404:
      return new DomainError(ErrorCode.NotFound, message);
    case 409:
      return new DomainError(ErrorCode.Conflict, message);
    case 422:
      return new DomainError(ErrorCode.Unprocessable, message, {
        details: {
          causes: (status.details?.causes ?? []).map((cause) => ({
            field: cause.field,
            reason: cause.reason,
            message: cause.message,
          })),
        },
      });
    case 401:
    case 403:
      return new DomainError(
        ErrorCode.ClusterRefused,
        `The cluster refused the broker (${error.code}) while trying to ${what}: ${message}`,
      );
    case 429:
      return new DomainError(ErrorCode.Unavailable, `Kubernetes API is throttling the broker while trying to ${what}`, {
        retryAfterSeconds: retryAfter(error),
      });
    default:
      return error.code >= 500
        ? new DomainError(ErrorCode.Unavailable, `Kubernetes API failed (${error.code}) while trying to ${what}`)
        : new DomainError(
            ErrorCode.ClusterRefused,
            `Kubernetes API answered ${error.code} while trying to ${what}: ${message}`,
          );
  }
}

function statusOf(body: unknown): KubernetesStatus {
  if (typeof body === 'string') {
    try {
      return JSON.parse(body) as KubernetesStatus;
    } catch {
      return {};
    }
  }
  return body ?? {};
}

function retryAfter(error: ApiException<unknown>): number | undefined {
  const headers = (error.headers ?? {}) as Record<string, string>;
  const value = Number(headers['retry-after'] ?? headers['Retry-After']);
  return Number.isFinite(value) && value >= 0 ? value : undefined;
}
