import type { ApolloDriverConfig } from '@nestjs/apollo';
import type { ApolloServerPlugin } from '@apollo/server';
import { maxAliasesRule } from '@escape.tech/graphql-armor-max-aliases';
import type { FastifyReply, FastifyRequest } from 'fastify';
import depthLimit from 'graphql-depth-limit';
import { fieldExtensionsEstimator, getComplexity, simpleEstimator } from 'graphql-query-complexity';
import type { ComplexityEstimatorArgs } from '@nestjs/graphql';
import { getVariableValues, GraphQLError, type ValidationContext } from 'graphql';
import type { Logger } from 'pino';
import { formatGraphqlError, isUnexpectedGraphqlError } from '../errors/graphql-error.formatter.js';
import { requestIdOf } from '../http/request-id.js';
import { withOpenApiDescriptions } from './openapi-descriptions.js';

export const MAX_QUERY_DEPTH = 8;
export const MAX_QUERY_COMPLEXITY = 5_000;
/** Aliases per operation: each aliased root field runs its resolver (and its audit) again. */
export const MAX_ALIASES = 15;
/** A field resolved per parent item that costs cluster or database calls (and audit events). */
export const EXPENSIVE_FIELD_COST = 50;

/** A list field's cost is its page size times the cost of one item. */
export function perItem(pageArgument: string, defaultPageSize: number) {
  return ({ args, childComplexity }: ComplexityEstimatorArgs): number =>
    (Number(args[pageArgument]) || defaultPageSize) * Math.max(1, childComplexity);
}

interface BrokerGraphqlContext {
  readonly req: FastifyRequest;
  readonly res: FastifyReply;
}

/** Rejects operations whose estimated cost exceeds the limit before any resolver runs. */
const complexityLimit: ApolloServerPlugin<BrokerGraphqlContext> = {
  requestDidStart: () =>
    Promise.resolve({
      didResolveOperation: ({ request, document, schema, operation }) => {
        // Variables that do not coerce are refused by execution (BAD_USER_INPUT) before any resolver runs.
        const variables = getVariableValues(schema, operation?.variableDefinitions ?? [], request.variables ?? {});
        if (variables.errors) return Promise.resolve();
        const complexity = getComplexity({
          schema,
          query: document,
          operationName: request.operationName,
          variables: request.variables,
          estimators: [fieldExtensionsEstimator(), simpleEstimator({ defaultComplexity: 1 })],
        });
        if (complexity > MAX_QUERY_COMPLEXITY) {
          throw new GraphQLError(`Query cost ${complexity} exceeds the limit of ${MAX_QUERY_COMPLEXITY}`, {
            extensions: { code: 'BAD_USER_INPUT', http: { status: 400 } },
          });
        }
        return Promise.resolve();
      },
    }),
};

/** Every error leaves with the request id, as problem+json bodies do. */
const requestIdOnErrors: ApolloServerPlugin<BrokerGraphqlContext> = {
  requestDidStart: () =>
    Promise.resolve({
      willSendResponse: ({ response, contextValue }) => {
        if (response.body.kind === 'single' && response.body.singleResult.errors) {
          const requestId = requestIdOf(contextValue.req);
          response.body.singleResult.errors = response.body.singleResult.errors.map((error) => ({
            ...error,
            extensions: { ...error.extensions, requestId },
          }));
        }
        return Promise.resolve();
      },
    }),
};

/** Unexpected errors are logged with the request id; the caller sees only a fixed message. */
function unexpectedErrorLog(logger: Logger): ApolloServerPlugin<BrokerGraphqlContext> {
  return {
    requestDidStart: () =>
      Promise.resolve({
        didEncounterErrors: ({ errors, contextValue }) => {
          for (const error of errors.filter(isUnexpectedGraphqlError)) {
            logger.error(
              { requestId: requestIdOf(contextValue.req), path: error.path, err: error.originalError ?? error },
              'GraphQL request failed',
            );
          }
          return Promise.resolve();
        },
      }),
  };
}

// As a validation rule the context is always there; the null case (armor's plugin form) fails closed.
function reportRejection(context: ValidationContext | null, error: GraphQLError): void {
  if (context === null) throw error;
  context.reportError(error);
}

export function graphqlOptions(production: boolean, logger: Logger): Omit<ApolloDriverConfig, 'driver'> {
  return {
    path: '/graphql',
    autoSchemaFile: true,
    sortSchema: true,
    transformSchema: withOpenApiDescriptions,
    playground: false,
    introspection: !production,
    csrfPrevention: true,
    includeStacktraceInErrorResponses: false,
    validationRules: [
      depthLimit(MAX_QUERY_DEPTH),
      // Reported as a validation error (GRAPHQL_VALIDATION_FAILED) rather than thrown out of validation.
      maxAliasesRule({ n: MAX_ALIASES, propagateOnRejection: false, onReject: [reportRejection] }),
    ],
    plugins: [complexityLimit, requestIdOnErrors, unexpectedErrorLog(logger)],
    // The Fastify integration calls the context function with the request and the reply.
    context: (req: FastifyRequest, res: FastifyReply): BrokerGraphqlContext => ({ req, res }),
    formatError: (formatted, error) => formatGraphqlError(formatted, error),
  };
}
