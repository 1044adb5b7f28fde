import { Inject, Injectable, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import proxyaddr from '@fastify/proxy-addr';
import type { FastifyRequest } from 'fastify';
import type { IncomingMessage } from 'node:http';
import passport from 'passport';
import type { Logger } from 'pino';
import { AuditService } from '../audit/audit.service.js';
import type { Actor } from '../common/actor.js';
import { DomainError, ErrorCode } from '../common/errors/domain-error.js';
import {
  ConnectionRefused,
  WebSocketAuthentication,
  type AuthenticatedConnection,
  type ClosableSocket,
} from '../common/graphql/websocket-authentication.js';
import { requestIdFor } from '../common/http/request-id.js';
import { ROOT_LOGGER } from '../common/logging/logger.js';
import { PeriodicTask } from '../common/scheduling/periodic-task.js';
import { Clock } from '../common/time/clock.js';
import type { AppConfig } from '../config/app-config.js';
import { APP_CONFIG } from '../config/config.module.js';
import { AuthFailureLimiter } from './auth-failure-limiter.js';
import { auditFailedAuthentication, bearerToken } from './failed-authentication.js';
import { ServiceAccountAuthenticator } from './service-account.authenticator.js';
import { decodeJoseSegment, MAX_TOKEN_BYTES } from './token-inspection.js';

/** Close codes of the `graphql-transport-ws` protocol's family: 4401 is its Unauthorized. */
const UNAUTHORIZED = 4401;
/** Ours, in the application range (as HTTP's 429): too many failures from the address, or connections of the subject. */
const TOO_MANY = 4429;

interface LiveConnection {
  readonly subject: string;
  readonly token: string;
  /** The stand-in request the connection was authenticated with (its address, agent and token). */
  readonly request: FastifyRequest;
  readonly expiresAt: number | undefined;
  readonly socket: ClosableSocket;
  readonly operations: Set<string>;
}

/**
 * GraphQL WebSocket connections: authenticated at connection by the same JWT strategy (and
 * ServiceAccount TokenReview) as HTTP requests, with the same per-address failure limit (the
 * client's address under TRUST_PROXY, as over HTTP) and the same audit of failures. Each
 * operation then gets a stand-in request of its own, so its guards authenticate it again as an
 * HTTP request's do; and every GRAPHQL_WS_RECHECK_SECONDS each open connection's credential is
 * checked again (a revoked lease, an expired token), the socket closed when it no longer passes.
 * Connections and subscriptions are capped per subject.
 */
@Injectable()
export class WebSocketAuthenticator extends WebSocketAuthentication implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly connections = new Set<LiveConnection>();
  private readonly recheck: PeriodicTask;
  private readonly trusted: ((address: string, hop: number) => boolean) | undefined;

  constructor(
    private readonly audit: AuditService,
    private readonly serviceAccounts: ServiceAccountAuthenticator,
    private readonly failures: AuthFailureLimiter,
    private readonly clock: Clock,
    @Inject(APP_CONFIG) private readonly config: Pick<AppConfig, 'exposure' | 'trustProxy'>,
    @Inject(ROOT_LOGGER) private readonly logger: Logger,
  ) {
    super();
    this.trusted = config.trustProxy.length > 0 ? proxyaddr.compile([...config.trustProxy]) : undefined;
    this.recheck = new PeriodicTask(
      () => this.recheckAll(),
      (error) => this.logger.error({ err: error }, 'WebSocket credential re-check failed'),
    );
  }

  onApplicationBootstrap(): void {
    this.recheck.start(this.config.exposure.connectionRecheckSeconds);
  }

  onModuleDestroy(): Promise<void> {
    return this.recheck.stop();
  }

  /** One re-check of every open connection now (or the one under way). */
  recheckOnce(): Promise<void> {
    return this.recheck.runOnce();
  }

  async open(
    connectionParams: Readonly<Record<string, unknown>> | undefined,
    upgrade: IncomingMessage,
    socket: ClosableSocket,
  ): Promise<AuthenticatedConnection> {
    const authorization = connectionParams?.authorization;
    const request = this.standInRequest(upgrade, typeof authorization === 'string' ? authorization : undefined);
    await this.failures.refuseIfBlocked(request.ip).catch((error: unknown) => {
      throw error instanceof DomainError && error.code === ErrorCode.RateLimited
        ? new ConnectionRefused(TOO_MANY, 'Too many failed authentications from this address')
        : error;
    });
    const token = bearerToken(request.headers.authorization);
    const actor = (await viaJwtStrategy(request)) ?? (await this.viaTokenReview(token, request));
    if (!actor || !token) {
      await auditFailedAuthentication(
        this.audit,
        this.logger,
        request,
        `WebSocket connection: ${token ? 'invalid token' : 'missing bearer token'}`,
      );
      throw new ConnectionRefused(UNAUTHORIZED, 'Unauthorized');
    }
    if (this.connectionsOf(actor.subject).length >= this.config.exposure.maxConnectionsPerSubject) {
      throw new ConnectionRefused(TOO_MANY, 'Too many connections for this subject');
    }
    request.user = actor;
    const connection: LiveConnection = {
      subject: actor.subject,
      token,
      request,
      expiresAt: expiryOf(token),
      socket,
      operations: new Set(),
    };
    this.connections.add(connection);
    return {
      operationRequest: () => ({ ...request, headers: { ...request.headers }, user: undefined }),
      startOperation: (id) => {
        const live = this.connectionsOf(connection.subject).reduce((sum, each) => sum + each.operations.size, 0);
        if (live >= this.config.exposure.maxSubscriptionsPerSubject) return false;
        connection.operations.add(id);
        return true;
      },
      endOperation: (id) => void connection.operations.delete(id),
      closed: () => void this.connections.delete(connection),
    };
  }

  /** Counted as a failure before the TokenReview (and the audit write), taken back if the cluster vouches for it. */
  private async viaTokenReview(token: string | undefined, request: FastifyRequest): Promise<Actor | undefined> {
    await this.failures.reserve(request.ip);
    const actor = token ? await this.serviceAccounts.authenticate(token, request) : undefined;
    if (actor) await this.failures.release(request.ip);
    return actor;
  }

  private connectionsOf(subject: string): LiveConnection[] {
    return [...this.connections].filter((connection) => connection.subject === subject);
  }

  /** Every open connection's credential, checked as a new request with it would be; failures close the socket. */
  private async recheckAll(): Promise<void> {
    await Promise.all(
      [...this.connections].map(async (connection) => {
        const expired = connection.expiresAt !== undefined && connection.expiresAt <= this.clock.now();
        const actor = expired ? undefined : await this.identify({ ...connection.request, user: undefined });
        if (actor?.subject === connection.subject) return;
        this.connections.delete(connection);
        this.logger.info(
          { subject: connection.subject, requestId: connection.request.id },
          'closing a GraphQL WebSocket whose credential no longer passes',
        );
        connection.socket.close(UNAUTHORIZED, expired ? 'Token expired' : 'Credential no longer valid');
      }),
    );
  }

  /** The JWT strategy, then the ServiceAccount TokenReview: the order and checks of the HTTP guard. */
  private async identify(request: FastifyRequest): Promise<Actor | undefined> {
    const token = bearerToken(request.headers.authorization);
    if (!token) return undefined;
    return (await viaJwtStrategy(request)) ?? (await this.serviceAccounts.authenticate(token, request));
  }

  /** The fields of a Fastify request that authentication, throttling and audit read; its address as Fastify derives it. */
  private standInRequest(upgrade: IncomingMessage, authorization: string | undefined): FastifyRequest {
    const headers = { 'user-agent': upgrade.headers['user-agent'], ...(authorization ? { authorization } : {}) };
    const stand = {
      id: requestIdFor(upgrade),
      ip: this.trusted ? proxyaddr(upgrade, this.trusted) : upgrade.socket.remoteAddress,
      headers,
      user: undefined,
    };
    return stand as unknown as FastifyRequest;
  }
}

/** The registered `jwt` strategy (JwtStrategy), run through passport as the HTTP guard runs it. */
function viaJwtStrategy(request: FastifyRequest): Promise<Actor | undefined> {
  return new Promise((resolve) => {
    const middleware = passport.authenticate('jwt', { session: false }, (error: unknown, user: Actor | false) =>
      resolve(error || !user ? undefined : user),
    ) as (req: unknown, res: unknown, next: (error?: unknown) => void) => void;
    middleware(request, {}, () => resolve(undefined));
  });
}

/** The `exp` of a token that was just verified (a ServiceAccount token's too: it is a JWT), in ms. */
function expiryOf(token: string): number | undefined {
  if (token.length > MAX_TOKEN_BYTES) return undefined;
  const exp = decodeJoseSegment(token.split('.')[1] ?? '')?.exp;
  return typeof exp === 'number' ? exp * 1000 : undefined;
}
