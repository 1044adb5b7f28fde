import type { ApolloDriverConfig } from '@nestjs/apollo';
import type { ApolloServerPlugin } from '@apollo/server';
import {
  ApolloServerPluginCacheControlDisabled,
  ApolloServerPluginInlineTraceDisabled,
  ApolloServerPluginUsageReportingDisabled,
} from '@apollo/server/plugin/disabled';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { IncomingMessage } from 'node:http';
import type { ComplexityEstimatorArgs } from '@nestjs/graphql';
import { GraphQLError, type ExecutionArgs, type ExecutionResult, type GraphQLSchema } from 'graphql';
import type { Logger } from 'pino';
import { formatGraphqlError, isUnexpectedGraphqlError } from '../errors/graphql-error.formatter.js';
import { requestIdOf } from '../http/request-id.js';
import { withOpenApiDescriptions } from './openapi-descriptions.js';
import { checkSocketOperation, costRefusal, limitRules } from './graphql-limits.js';
import {
  ConnectionRefused,
  type AuthenticatedConnection,
  type WebSocketAuthentication,
} from './websocket-authentication.js';

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

/** What `graphql-ws` (over `ws`) hands the hooks of a connection; `connection` is set once it is authenticated. */
interface SocketExtra {
  readonly socket: { close(code: number, reason: string): void; once(event: 'close', listener: () => void): void };
  readonly request: IncomingMessage;
  connection?: AuthenticatedConnection;
}

interface SocketContext {
  readonly connectionParams?: Readonly<Record<string, unknown>>;
  readonly extra: SocketExtra;
}

interface SubscribePayload {
  readonly query: string;
  readonly operationName?: string | null;
  readonly variables?: Readonly<Record<string, unknown>> | null;
}

/** Close codes of the `graphql-transport-ws` protocol's family: 4401 is its Unauthorized. */
const UNAUTHORIZED = 4401;

function formatOne(error: GraphQLError) {
  return formatGraphqlError(error.toJSON(), error);
}

function isSocketContext(value: unknown): value is SocketContext {
  return typeof value === 'object' && value !== null && 'extra' in value && 'connectionParams' in value;
}

/**
 * Subscriptions over WebSocket (`graphql-ws`, on the same port and path): a connection opens only
 * with a valid bearer token in `connectionParams.authorization` and stays open while that
 * credential passes. Only subscriptions run over it, each checked by the rules of graphql-limits.ts
 * (as Apollo checks HTTP operations) and counted against its subject's cap.
 */
function webSocketSubscriptions(
  authentication: WebSocketAuthentication,
  production: boolean,
  schema: () => GraphQLSchema,
): ApolloDriverConfig['subscriptions'] {
  const connectionOf = (context: { extra: unknown }) => (context.extra as SocketExtra).connection;
  // Nest's type lists only some graphql-ws options but hands them all to graphql-ws.
  const moreHooks = {
    onError: (_context: unknown, _id: string, _payload: unknown, errors: readonly GraphQLError[]) =>
      errors.map(formatOne),
    onSubscribe: (
      context: { extra: unknown },
      id: string,
      payload: SubscribePayload,
    ): ExecutionArgs | readonly GraphQLError[] => {
      const checked = checkSocketOperation(schema(), production, payload);
      if (checked.errors) return checked.errors;
      if (!connectionOf(context)?.startOperation(id)) {
        return [
          new GraphQLError('Too many live subscriptions for this subject', { extensions: { code: 'RATE_LIMITED' } }),
        ];
      }
      return {
        schema: schema(),
        document: checked.document,
        operationName: payload.operationName,
        variableValues: payload.variables,
      };
    },
    onComplete: (context: { extra: unknown }, id: string) => connectionOf(context)?.endOperation(id),
  };
  return {
    'graphql-ws': {
      path: '/graphql',
      // Errors leave a WebSocket with the same codes as over HTTP.
      onNext: (_context: unknown, _id: string, _payload: unknown, _args: unknown, result: ExecutionResult) =>
        result.errors ? { ...result, errors: result.errors.map(formatOne) } : undefined,
      ...moreHooks,
      // graphql-ws types `extra` as unknown; over `ws` it is the socket and its upgrade request.
      onConnect: async (context: { connectionParams?: Readonly<Record<string, unknown>>; extra: unknown }) => {
        const extra = context.extra as SocketExtra;
        try {
          const connection = await authentication.open(context.connectionParams, extra.request, extra.socket);
          extra.connection = connection;
          extra.socket.once('close', () => connection.closed());
          return true;
        } catch (error) {
          if (error instanceof ConnectionRefused) extra.socket.close(error.closeCode, error.closeReason);
          else extra.socket.close(UNAUTHORIZED, 'Unauthorized');
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
      didResolveOperation: ({ request, document, schema }) => {
        const refusal = costRefusal(schema, document, request.operationName, request.variables);
        if (refusal) throw refusal;
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

export function graphqlOptions(
  production: boolean,
  authentication: WebSocketAuthentication,
  logger: Logger,
): Omit<ApolloDriverConfig, 'driver'> {
  let served: GraphQLSchema | undefined;
  return {
    path: '/graphql',
    autoSchemaFile: true,
    sortSchema: true,
    // The schema both transports serve, kept for the WebSocket's own validation.
    transformSchema: (schema: GraphQLSchema) => (served = withOpenApiDescriptions(schema)),
    playground: false,
    introspection: !production,
    csrfPrevention: true,
    includeStacktraceInErrorResponses: false,
    validationRules: limitRules(production),
    plugins: [
      complexityLimit,
      requestIdOnErrors,
      unexpectedErrorLog(logger),
      // Apollo adds these unless told not to. Cache hints: every response is no-store anyway,
      // and the plugin wraps every field's resolver to collect them. Traces and usage reports go
      // to Apollo's cloud, which an internal broker never calls (even with APOLLO_KEY set).
      ApolloServerPluginCacheControlDisabled(),
      ApolloServerPluginInlineTraceDisabled(),
      ApolloServerPluginUsageReportingDisabled(),
    ],
    subscriptions: webSocketSubscriptions(authentication, production, () => {
      if (!served) throw new Error('GraphQL schema not built yet');
      return served;
    }),
    // The Fastify integration calls the context function with the request and the reply;
    // graphql-ws with its connection context, once per operation: each gets a new stand-in
    // request, so its guards authenticate it again instead of trusting the connection's first check.
    context: (req: FastifyRequest | SocketContext, res: FastifyReply): BrokerGraphqlContext =>
      isSocketContext(req)
        ? { req: (req.extra.connection as AuthenticatedConnection).operationRequest() }
        : { req, res },
    formatError: (formatted, error) => formatGraphqlError(formatted, error),
  };
}
