import { GraphQLError, GraphQLFormattedError } from 'graphql';
import { DomainError } from './domain-error.js';
import { describeError } from './error-catalog.js';
import { toDomainError } from './to-domain-error.js';

/**
 * The single GraphQL mapping of domain errors to `extensions.code` (the request id is added by
 * a plugin that sees the request). Errors raised by GraphQL itself (syntax, validation) keep
 * Apollo's own codes.
 */
export function formatGraphqlError(formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError {
  const original = error instanceof GraphQLError ? error.originalError : error;
  // Apollo gives a validation error itself as its originalError.
  if (original === undefined || original === null || original instanceof GraphQLError) return formatted;
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
