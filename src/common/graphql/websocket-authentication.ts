import type { FastifyRequest } from 'fastify';
import type { IncomingMessage } from 'node:http';

/** What the authentication side may do to an open socket: close it (credential gone, cap reached). */
export interface ClosableSocket {
  close(code: number, reason: string): void;
}

/** One authenticated GraphQL WebSocket connection, as the GraphQL plumbing uses it. */
export interface AuthenticatedConnection {
  /**
   * A new stand-in request for one operation, carrying the connection's token: the guards
   * authenticate and authorize it again, as they do each HTTP request.
   */
  operationRequest(): FastifyRequest;
  /** Counts a subscription against its subject's cap; false (nothing counted) when the cap is reached. */
  startOperation(id: string): boolean;
  endOperation(id: string): void;
  /** The socket closed: its operations and the connection stop counting. */
  closed(): void;
}

/** Why a connection may not open: no valid credential, or its subject holds too many already. */
export class ConnectionRefused extends Error {
  constructor(
    readonly closeCode: number,
    readonly closeReason: string,
  ) {
    super(closeReason);
  }
}

/**
 * Authenticates a `graphql-ws` connection from its `connectionParams.authorization`
 * (`Bearer …`), as an HTTP request is, and keeps checking it while it is open; throws
 * ConnectionRefused when it may not open. A port, so GraphQL plumbing knows no authentication module.
 */
export abstract class WebSocketAuthentication {
  abstract open(
    connectionParams: Readonly<Record<string, unknown>> | undefined,
    upgrade: IncomingMessage,
    socket: ClosableSocket,
  ): Promise<AuthenticatedConnection>;
}
