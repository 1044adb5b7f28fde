import { CanActivate, ExecutionContext, Inject, Injectable } from '@nestjs/common';
import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { DomainError, ErrorCode } from '../common/errors/domain-error.js';
import type { AppConfig } from '../config/app-config.js';
import { APP_CONFIG } from '../config/config.module.js';

/**
 * With METRICS_TOKEN set, `/metrics` answers only a scraper presenting it as a bearer token (401
 * otherwise); without it the route stays open, for a network policy to protect. Digests are
 * compared in constant time, so the answer's timing says nothing about the token.
 */
@Injectable()
export class MetricsTokenGuard implements CanActivate {
  private readonly expected: Buffer | undefined;

  constructor(@Inject(APP_CONFIG) config: Pick<AppConfig, 'exposure'>) {
    const token = config.exposure.metricsToken;
    this.expected = token === undefined ? undefined : digest(token);
  }

  canActivate(context: ExecutionContext): boolean {
    if (this.expected === undefined) return true;
    const authorization = context.switchToHttp().getRequest<FastifyRequest>().headers.authorization ?? '';
    const presented = /^Bearer (.+)$/.exec(authorization)?.[1];
    if (presented !== undefined && timingSafeEqual(digest(presented), this.expected)) return true;
    throw new DomainError(ErrorCode.Unauthenticated, 'Authentication failed: /metrics needs the metrics token');
  }
}

function digest(token: string): Buffer {
  return createHash('sha256').update(token).digest();
}
