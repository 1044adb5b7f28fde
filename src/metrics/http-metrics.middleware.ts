import { Injectable, NestMiddleware } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import { MetricsService } from './metrics.service.js';

/** Label for requests that matched no route: their paths are caller-chosen and unbounded. */
export const UNMATCHED_ROUTE = 'unmatched';

/**
 * Times every HTTP request, including those refused by guards (which interceptors never see).
 * The route label is the matched pattern (`/v1/grants/:id`), read when the response finishes,
 * so names in URLs never become label values.
 */
@Injectable()
export class HttpMetricsMiddleware implements NestMiddleware {
  constructor(private readonly metrics: MetricsService) {}

  use(request: Request, response: Response, next: NextFunction): void {
    const started = process.hrtime.bigint();
    // Nest mounts this middleware as a route of its own; a request no handler matched keeps it.
    const ownRoute: unknown = request.route;
    response.once('finish', () => {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      this.metrics.observeHttpRequest(request.method, routeOf(request, ownRoute), response.statusCode, seconds);
    });
    next();
  }
}

/**
 * A handler's route pattern; otherwise the mount path of the middleware that answered (Apollo's
 * static `/graphql`); otherwise `unmatched`.
 */
function routeOf(request: Request, ownRoute: unknown): string {
  const route: unknown = request.route;
  const pattern = (route as { path?: unknown } | undefined)?.path;
  if (route !== ownRoute && typeof pattern === 'string') return `${request.baseUrl}${pattern}`;
  return request.baseUrl === '' ? UNMATCHED_ROUTE : request.baseUrl;
}
