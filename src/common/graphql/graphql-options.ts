import type { SubscriptionConfig } from '@nestjs/graphql';
import type { MercuriusDriverConfig } from '@nestjs/mercurius';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { IncomingMessage } from 'node:http';
import type { ComplexityEstimatorArgs } from '@nestjs/graphql';
import { GraphQLError, type DocumentNode, type ExecutionArgs, type ExecutionResult, type GraphQLSchema } from 'graphql';
import type { MercuriusContext } from 'mercurius';
import type { Logger } from 'pino';
import { formatGraphqlError, isUnexpectedGraphqlError } from '../errors/graphql-error.formatter.js';
import { GRAPHQL_PATH } from '../http/graphql-operation.js';
import { requestIdOf } from '../http/request-id.js';
import { withOpenApiDescriptions } from './openapi-descriptions.js';
import { checkSocketOperation, costRefusal, limitRules } from './graphql-limits.js';
import type { MercuriusGraphqlWsConfig } from './mercurius-graphql-ws.driver.js';
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
 * (as Mercurius checks HTTP operations) and counted against its subject's cap.
 */
function webSocketSubscriptions(
  authentication: WebSocketAuthentication,
  production: boolean,
  schema: () => GraphQLSchema,
): SubscriptionConfig {
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

/**
 * Refuses an operation whose estimated cost exceeds the limit before any resolver runs. Thrown,
 * so Mercurius answers it as it answers a validation error (ProblemDetailsFilter writes it).
 * Mercurius hands the hook no operation name; Nest's own Mercurius hooks read it from the body too.
 */
function refuseCostly(schema: GraphQLSchema, document: DocumentNode, context: MercuriusContext, variables: unknown) {
  const request = context.reply.request;
  const operationName =
    (request.body as { operationName?: string } | undefined)?.operationName ??
    (request.query as { operationName?: string } | undefined)?.operationName;
  const refusal = costRefusal(schema, document, operationName, variables as Record<string, unknown> | undefined);
  if (refusal) throw refusal;
}

/**
 * Errors of an operation that ran: each mapped by formatGraphqlError with the request id, as
 * problem+json bodies carry it, and answered 200 beside `data`. Unexpected ones are logged with
 * the request id; the caller sees only a fixed message.
 */
function executionErrors(logger: Logger): MercuriusDriverConfig['errorFormatter'] {
  return (execution, context) => {
    const requestId = requestIdOf(context.reply.request);
    for (const error of execution.errors.filter(isUnexpectedGraphqlError)) {
      logger.error({ requestId, path: error.path, err: error.originalError ?? error }, 'GraphQL request failed');
    }
    const errors = execution.errors.map((error) => {
      const formatted = formatOne(error);
      return { ...formatted, extensions: { ...formatted.extensions, requestId } };
    });
    return { statusCode: 200, response: { data: execution.data ?? null, errors } };
  };
}

export function graphqlOptions(
  production: boolean,
  authentication: WebSocketAuthentication,
  logger: Logger,
): Omit<MercuriusGraphqlWsConfig, 'driver'> {
  let served: GraphQLSchema | undefined;
  return {
    path: GRAPHQL_PATH,
    autoSchemaFile: true,
    sortSchema: true,
    // The schema both transports serve, kept for the WebSocket's own validation.
    transformSchema: (schema: GraphQLSchema) => (served = withOpenApiDescriptions(schema)),
    graphiql: false,
    // A GET must carry a preflight header, which a page on another origin cannot send without
    // CORS allowing it. Apollo's names are accepted too: the broker served GraphQL with Apollo before.
    csrfPrevention: {
      requiredHeaders: [
        'mercurius-require-preflight',
        'x-mercurius-operation-name',
        'apollo-require-preflight',
        'x-apollo-operation-name',
      ],
    },
    // Parsed and validated documents are kept per query text, so limitRules run once per text.
    validationRules: limitRules(production),
    hooks: { preExecution: refuseCostly },
    errorFormatter: executionErrors(logger),
    // Refusals before execution (syntax, validation, variables, CSRF) reach Nest's exception
    // filter, which answers them as GraphQL errors; Mercurius's own handler would take over every route's errors.
    errorHandler: false,
    subscriptions: webSocketSubscriptions(authentication, production, () => {
      if (!served) throw new Error('GraphQL schema not built yet');
      return served;
    }),
    // Mercurius calls the context function with the request and the reply; graphql-ws with its
    // connection context, once per operation: each gets a new stand-in request, so its guards
    // authenticate it again instead of trusting the connection's first check.
    context: (req: FastifyRequest | SocketContext, res: FastifyReply): BrokerGraphqlContext =>
      isSocketContext(req)
        ? { req: (req.extra.connection as AuthenticatedConnection).operationRequest() }
        : { req, res },
  };
}
