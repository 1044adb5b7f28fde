import { Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { PassportModule } from '@nestjs/passport';
import type { Logger } from 'pino';
import { ROOT_LOGGER } from '../common/logging/logger.js';
import { Clock } from '../common/time/clock.js';
import { WindowCounters } from '../common/shared-state/window-counters.js';
import type { AppConfig } from '../config/app-config.js';
import { APP_CONFIG } from '../config/config.module.js';
import { AuditModule } from '../audit/audit.module.js';
import { GrantsModule } from '../grants/grants.module.js';
import { AuthFailureLimiter } from './auth-failure-limiter.js';
import { JwtAuthGuard } from './jwt-auth.guard.js';
import { JwtStrategy } from './jwt.strategy.js';
import { ServiceAccountAuthenticator } from './service-account.authenticator.js';
import { SubjectRateLimit, SubjectRateLimitGuard } from './subject-rate-limit.guard.js';
import { VerbGuard } from './verb.guard.js';
import { WebSocketAuthenticator } from './websocket-authenticator.js';
import { WebSocketAuthentication } from '../common/graphql/websocket-authentication.js';

// Addresses whose failed authentications are counted at once (about 100 bytes each).
const MAX_TRACKED_ADDRESSES = 10_000;
// Subjects whose requests are counted at once for the rate limit.
const MAX_TRACKED_SUBJECTS = 100_000;

/** Authentication, the per-subject rate limit, then route-level authorization, in that order. */
@Module({
  imports: [PassportModule, GrantsModule, AuditModule],
  providers: [
    {
      provide: SubjectRateLimit,
      inject: [APP_CONFIG, WindowCounters],
      useFactory: (config: Pick<AppConfig, 'rateLimitPerMinute'>, counters: WindowCounters) =>
        new SubjectRateLimit(config.rateLimitPerMinute, counters.counter('requests', MAX_TRACKED_SUBJECTS)),
    },
    {
      provide: AuthFailureLimiter,
      inject: [APP_CONFIG, WindowCounters, Clock, ROOT_LOGGER],
      useFactory: (config: AppConfig, counters: WindowCounters, clock: Clock, logger: Logger) =>
        new AuthFailureLimiter(config, counters.counter('auth-failures', MAX_TRACKED_ADDRESSES), clock, logger),
    },
    JwtStrategy,
    ServiceAccountAuthenticator,
    { provide: APP_GUARD, useClass: JwtAuthGuard },
    { provide: APP_GUARD, useClass: SubjectRateLimitGuard },
    { provide: APP_GUARD, useClass: VerbGuard },
    { provide: WebSocketAuthentication, useClass: WebSocketAuthenticator },
  ],
  exports: [WebSocketAuthentication, ServiceAccountAuthenticator],
})
export class AuthModule {}
