import { LoggerService } from '@nestjs/common';
import { pino, type Logger, type DestinationStream } from 'pino';

export const ROOT_LOGGER = Symbol('ROOT_LOGGER');

/**
 * Paths redacted from every log line. Values travel in request and response bodies, which are
 * never logged; these cover credentials in headers and any structured field that could hold one.
 */
export const REDACTED_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["proxy-authorization"]',
  'res.headers["set-cookie"]',
  '*.data',
  '*.stringData',
  '*.values',
  '*.value',
  '*.token',
  '*.password',
];

/**
 * A URL as logged: the path only. A caller may put a credential in the query
 * (`?access_token=…`); it is refused, and must not reach the log either.
 */
export function pathWithoutQuery(url: string | undefined): string | undefined {
  if (url === undefined) return undefined;
  const query = url.indexOf('?');
  return query === -1 ? url : url.slice(0, query);
}

export function createLogger(level: string, destination?: DestinationStream): Logger {
  return pino(
    {
      level,
      base: { service: 'secrets-broker' },
      redact: { paths: REDACTED_PATHS, censor: '[REDACTED]' },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    destination,
  );
}

/** Routes Nest's own framework logging into the same structured pino stream. */
export class PinoNestLogger implements LoggerService {
  constructor(private readonly logger: Logger) {}

  log(message: unknown, context?: string): void {
    this.logger.info({ context }, String(message));
  }
  error(message: unknown, trace?: string, context?: string): void {
    this.logger.error({ context, trace }, String(message));
  }
  warn(message: unknown, context?: string): void {
    this.logger.warn({ context }, String(message));
  }
  debug(message: unknown, context?: string): void {
    this.logger.debug({ context }, String(message));
  }
  verbose(message: unknown, context?: string): void {
    this.logger.trace({ context }, String(message));
  }
}
