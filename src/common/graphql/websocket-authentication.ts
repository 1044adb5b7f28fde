import type { FastifyRequest } from 'fastify';
import type { IncomingMessage } from 'node:http';

/** Who opened a GraphQL WebSocket, as the guards and resolvers of its subscriptions see it. */
export interface AuthenticatedConnection {
  /** Stands in for the HTTP request: the bearer token in its headers, the caller in `user`. */
  readonly request: FastifyRequest;
  /** When the token expires; the connection is closed then. */
  readonly expiresAt: Date | undefined;
}

/**
 * Authenticates a `graphql-ws` connection from its `connectionParams.authorization`
 * (`Bearer …`), as an HTTP request is; throws when it may not open. A port, so GraphQL plumbing
 * knows no authentication module.
 */
export abstract class WebSocketAuthentication {
  abstract authenticate(
    connectionParams: Readonly<Record<string, unknown>> | undefined,
    upgrade: IncomingMessage,
  ): Promise<AuthenticatedConnection>;
}
