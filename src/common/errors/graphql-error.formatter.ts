import { HttpException } from '@nestjs/common';
import { GraphQLError, GraphQLFormattedError } from 'graphql';
import { DomainError } from './domain-error.js';
import { describeError } from './error-catalog.js';
import { toDomainError } from './to-domain-error.js';

const INTERNAL_SERVER_ERROR = 'INTERNAL_SERVER_ERROR';

/**
 * The single GraphQL mapping of domain errors to `extensions.code` (the request id is added by
 * the caller, which sees the request). Errors graphql-js raised keep their message and code,
 * with the HTTP status their request answers (400, or 500 for a fault of ours) as
 * `extensions.status`, as every error has.
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

/** The status of an error GraphQL raised: the HTTP status it set, else 400 for the request's fault. */
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
  if (original === undefined || original === null || original instanceof GraphQLError) return undefined;
  if (original instanceof DomainError || original instanceof HttpException) return original;
  // A scalar's parser may throw a plain error behind an error that already has its code.
  const code = error instanceof GraphQLError ? error.extensions.code : undefined;
  return code === undefined || code === INTERNAL_SERVER_ERROR ? original : undefined;
}

/** What an operation refused before it ran answers: its HTTP status and its errors. */
export interface GraphqlRefusal {
  readonly status: number;
  readonly errors: GraphQLFormattedError[];
}

/** An error Mercurius raises before execution (`@fastify/error`), with the GraphQL errors behind it. */
interface MercuriusError extends Error {
  readonly code: string;
  readonly statusCode?: number;
  readonly errors?: readonly Error[];
}

const MERCURIUS_VALIDATION = 'MER_ERR_GQL_VALIDATION';
// graphql-js's wording (getVariableValues) for a variable whose value does not coerce: the
// caller's input, not the document; every other error of a validation refusal is the document's.
const VARIABLE_VALUE = /^Variable "\$[^"]+" (got invalid value|of required type|of non-null type)/;

function isMercuriusError(error: unknown): error is MercuriusError {
  const code = error instanceof Error ? (error as Partial<MercuriusError>).code : undefined;
  return typeof code === 'string' && code.startsWith('MER_ERR_');
}

/**
 * An operation refused before any resolver ran, as GraphQL errors whose codes say what was
 * wrong: GRAPHQL_PARSE_FAILED, GRAPHQL_VALIDATION_FAILED, BAD_USER_INPUT (a variable's value, the
 * cost limit), BAD_REQUEST (not a GraphQL request, CSRF prevention). Undefined for any other error.
 */
export function graphqlRefusal(exception: unknown): GraphqlRefusal | undefined {
  if (exception instanceof GraphQLError) {
    const formatted = exception.toJSON();
    const status = graphqlOwnStatus(formatted);
    return { status, errors: [{ ...formatted, extensions: { ...formatted.extensions, status } }] };
  }
  if (!isMercuriusError(exception)) return undefined;
  const status = exception.statusCode ?? 400;
  const causes = exception.errors?.length ? exception.errors : [exception];
  return {
    status,
    errors: causes.map((cause) => {
      const formatted: GraphQLFormattedError =
        cause instanceof GraphQLError ? cause.toJSON() : { message: cause.message };
      const code = formatted.extensions?.code ?? refusalCode(cause, exception.code);
      return { ...formatted, extensions: { ...formatted.extensions, code, status } };
    }),
  };
}

function refusalCode(cause: Error, mercuriusCode: string): string {
  if (mercuriusCode !== MERCURIUS_VALIDATION || !(cause instanceof GraphQLError)) return 'BAD_REQUEST';
  // A syntax error points into the source; a rule's error at the document's nodes (or nowhere).
  if (cause.source !== undefined && cause.nodes === undefined) return 'GRAPHQL_PARSE_FAILED';
  return VARIABLE_VALUE.test(cause.message) ? 'BAD_USER_INPUT' : 'GRAPHQL_VALIDATION_FAILED';
}
