import { HttpException } from '@nestjs/common';
import { GraphQLError, GraphQLFormattedError } from 'graphql';
import { DomainError } from './domain-error.js';
import { describeError } from './error-catalog.js';
import { toDomainError } from './to-domain-error.js';

const INTERNAL_SERVER_ERROR = 'INTERNAL_SERVER_ERROR';

/**
 * The single GraphQL mapping of domain errors to `extensions.code` (the request id is added by
 * a plugin that sees the request). Errors raised by GraphQL itself (syntax, validation, variable
 * coercion) keep the codes Apollo gives them and graphql-js's message, with the HTTP status
 * their request answers (400, or 500 for a fault of ours) as `extensions.status`, as every error has.
 */
export function formatGraphqlError(formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError {
  const original = thrownBehind(error);
  if (original === undefined) {
    return { ...formatted, extensions: { ...formatted.extensions, status: graphqlOwnStatus(formatted) } };
  }
  const domainError = toDomainError(original);
  const { graphqlCode, status } = describeError(domainError.code);
  return {
    message: domainError.message,
    locations: formatted.locations,
    path: formatted.path,
    extensions: {
      code: graphqlCode,
      status,
      ...(domainError instanceof DomainError && domainError.details ? { details: domainError.details } : {}),
    },
  };
}

/** The status of an error GraphQL or Apollo raised: the HTTP status it set, else 400 for the request's fault. */
export function graphqlOwnStatus(formatted: GraphQLFormattedError): number {
  const extensions = formatted.extensions ?? {};
  if (typeof extensions.status === 'number') return extensions.status;
  const http = extensions.http as { status?: unknown } | undefined;
  if (typeof http?.status === 'number') return http.status;
  return extensions.code === INTERNAL_SERVER_ERROR ? 500 : 400;
}

/** Whether the error reaches the caller as INTERNAL_SERVER_ERROR: a fault of ours, to be logged. */
export function isUnexpectedGraphqlError(error: GraphQLError): boolean {
  const original = thrownBehind(error);
  if (original !== undefined) return describeError(toDomainError(original).code).graphqlCode === INTERNAL_SERVER_ERROR;
  const code = error.extensions.code;
  return code === undefined || code === INTERNAL_SERVER_ERROR;
}

/** What a resolver or the application threw, as opposed to an error GraphQL itself raised. */
function thrownBehind(error: unknown): unknown {
  const original = error instanceof GraphQLError ? error.originalError : error;
  // Apollo gives a validation error itself as its originalError.
  if (original === undefined || original === null || original instanceof GraphQLError) return undefined;
  if (original instanceof DomainError || original instanceof HttpException) return original;
  // A scalar's parser may throw a plain error behind a variable coercion error Apollo already coded.
  const code = error instanceof GraphQLError ? error.extensions.code : undefined;
  return code === undefined || code === INTERNAL_SERVER_ERROR ? original : undefined;
}
