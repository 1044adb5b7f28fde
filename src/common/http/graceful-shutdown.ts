import type { INestApplication } from '@nestjs/common';
import type { Server } from 'node:http';
import type { Logger } from 'pino';

const IDLE_CLOSE_INTERVAL_MS = 50;

/**
 * Closes the broker in the order that loses nothing: first the listener (no new connections;
 * idle keep-alive connections closed; a request arriving on a busy one answered 503 with
 * `Connection: close`) while requests in flight finish, then the application: watches stop,
 * pending audit events are flushed and the chain head checkpointed, the database closed.
 * Nest's own shutdown hooks would run those steps before closing the listener.
 */
export async function closeGracefully(app: INestApplication, logger?: Logger): Promise<void> {
  // A keep-alive connection whose request was in flight stays open once answered (the server
  // closes only the connections idle when it starts closing), so idle ones are closed as they appear.
  const server = app.getHttpServer() as Server;
  const idleCloser = setInterval(() => server.closeIdleConnections(), IDLE_CLOSE_INTERVAL_MS);
  try {
    await app.getHttpAdapter().close();
  } finally {
    clearInterval(idleCloser);
  }
  logger?.info('requests in flight finished; flushing audit and closing');
  await app.close();
}

/**
 * On SIGTERM or SIGINT: closes gracefully and exits 0, or exits 1 if that takes longer than
 * `graceSeconds` or fails. `afterClose` runs once the application is closed (the dev emulator).
 */
export function exitGracefullyOnSignal(
  app: INestApplication,
  graceSeconds: number,
  logger: Logger,
  afterClose: () => Promise<void> = () => Promise.resolve(),
): void {
  const onSignal = (signal: NodeJS.Signals) => {
    process.off('SIGTERM', onSignal);
    process.off('SIGINT', onSignal);
    logger.info({ signal, graceSeconds }, 'shutting down: finishing requests in flight');
    setTimeout(() => {
      logger.error({ graceSeconds }, 'shutdown grace period exceeded; exiting with work unfinished');
      process.exit(1);
    }, graceSeconds * 1000).unref();
    closeGracefully(app, logger)
      .then(afterClose)
      .then(
        () => {
          logger.info('shut down');
          process.exit(0);
        },
        (error: unknown) => {
          logger.error({ err: error }, 'shutdown failed');
          process.exit(1);
        },
      );
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
}
