import type { ApolloDriverConfig } from '@nestjs/apollo';
import type { ApolloServerPlugin } from '@apollo/server';
import { maxAliasesRule } from '@escape.tech/graphql-armor-max-aliases';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { ServerOptions } from 'graphql-ws';
import type { IncomingMessage } from 'node:http';
import depthLimit from 'graphql-depth-limit';
import { fieldExtensionsEstimator, getComplexity, simpleEstimator } from 'graphql-query-complexity';
import type { ComplexityEstimatorArgs } from '@nestjs/graphql';
import {
  GraphQLError,
  getVariableValues,
  specifiedRules,
  validate,
  type DocumentNode,
  type ExecutionResult,
  type GraphQLSchema,
  type ValidationContext,
  type ValidationRule,
} from 'graphql';
import type { Logger } from 'pino';
import { formatGraphqlError, isUnexpectedGraphqlError } from '../errors/graphql-error.formatter.js';
import { requestIdOf } from '../http/request-id.js';
import { withOpenApiDescriptions } from './openapi-descriptions.js';
import type { WebSocketAuthentication } from './websocket-authentication.js';

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
  readonly res?: FastifyReply;
}

/** What `graphql-ws` (over `ws`) hands the hooks of a connection; `request` is set once it is authenticated. */
interface SocketExtra {
  readonly socket: { close(code: number, reason: string): void; once(event: 'close', listener: () => void): void };
  readonly request: IncomingMessage;
  brokerRequest?: FastifyRequest;
}

interface SocketContext {
  readonly connectionParams?: Readonly<Record<string, unknown>>;
  readonly extra: SocketExtra;
}

/** Close codes of the `graphql-transport-ws` protocol's family: 4401 is its Unauthorized. */
const UNAUTHORIZED = 4401;
// setTimeout's limit; a token valid for longer is still checked again by each subscription's guard.
const MAX_TIMER_MS = 2 ** 31 - 1;

const webSocketOnlyOptions: Pick<ServerOptions, 'validate' | 'onError'> = {
  // graphql-ws validates with graphql-js's rules only; the limits apply here too.
  validate: (schema: GraphQLSchema, document: DocumentNode) =>
    validate(schema, document, [...specifiedRules, ...LIMIT_RULES]),
  onError: (_context, _id, _payload, errors) => errors.map(formatOne),
};

function formatOne(error: GraphQLError) {
  return formatGraphqlError(error.toJSON(), error);
}

function isSocketContext(value: unknown): value is SocketContext {
  return typeof value === 'object' && value !== null && 'extra' in value && 'connectionParams' in value;
}

/**
 * Subscriptions over WebSocket (`graphql-ws`, on the same port and path): a connection opens only
 * with a valid bearer token in `connectionParams.authorization`, and is closed when it expires.
 */
function webSocketSubscriptions(authentication: WebSocketAuthentication): ApolloDriverConfig['subscriptions'] {
  return {
    'graphql-ws': {
      path: '/graphql',
      // Errors leave a WebSocket with the same codes as over HTTP.
      onNext: (_context: unknown, _id: string, _payload: unknown, _args: unknown, result: ExecutionResult) =>
        result.errors ? { ...result, errors: result.errors.map(formatOne) } : undefined,
      // Nest's type lists only some graphql-ws options but hands them all to graphql-ws.
      ...webSocketOnlyOptions,
      // graphql-ws types `extra` as unknown; over `ws` it is the socket and its upgrade request.
      onConnect: async (context: { connectionParams?: Readonly<Record<string, unknown>>; extra: unknown }) => {
        const { socket, request: upgrade } = context.extra as SocketExtra;
        try {
          const { request, expiresAt } = await authentication.authenticate(context.connectionParams, upgrade);
          (context.extra as SocketExtra).brokerRequest = request;
          if (expiresAt !== undefined) {
            const timer = setTimeout(
              () => socket.close(UNAUTHORIZED, 'Token expired'),
              Math.min(MAX_TIMER_MS, Math.max(0, expiresAt.getTime() - Date.now())),
            );
            socket.once('close', () => clearTimeout(timer));
          }
          return true;
        } catch {
          socket.close(UNAUTHORIZED, 'Unauthorized');
          return false;
        }
      },
    },
  };
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

/** Depth and alias limits, over HTTP and WebSocket alike. */
const LIMIT_RULES: readonly ValidationRule[] = [
  depthLimit(MAX_QUERY_DEPTH),
  // Reported as a validation error (GRAPHQL_VALIDATION_FAILED) rather than thrown out of validation.
  maxAliasesRule({ n: MAX_ALIASES, propagateOnRejection: false, onReject: [reportRejection] }),
];

export function graphqlOptions(
  production: boolean,
  authentication: WebSocketAuthentication,
  logger: Logger,
): Omit<ApolloDriverConfig, 'driver'> {
  return {
    path: '/graphql',
    autoSchemaFile: true,
    sortSchema: true,
    transformSchema: withOpenApiDescriptions,
    playground: false,
    introspection: !production,
    csrfPrevention: true,
    includeStacktraceInErrorResponses: false,
    validationRules: [...LIMIT_RULES],
    plugins: [complexityLimit, requestIdOnErrors, unexpectedErrorLog(logger)],
    subscriptions: webSocketSubscriptions(authentication),
    // The Fastify integration calls the context function with the request and the reply;
    // graphql-ws with its connection context, whose stand-in request onConnect authenticated.
    context: (req: FastifyRequest | SocketContext, res: FastifyReply): BrokerGraphqlContext =>
      isSocketContext(req) ? { req: req.extra.brokerRequest as FastifyRequest } : { req, res },
    formatError: (formatted, error) => formatGraphqlError(formatted, error),
  };
}
