import { Global, Module } from '@nestjs/common';
import type { Logger } from 'pino';
import type { AppConfig } from '../../config/app-config.js';
import { APP_CONFIG } from '../../config/config.module.js';
import { ROOT_LOGGER } from '../logging/logger.js';
import { Clock } from '../time/clock.js';
import { SharedRedis } from './shared-redis.js';
import { SharedStateStatus, type SharedState } from './shared-state-status.js';
import { WindowCounters } from './window-counters.js';

class NotShared extends SharedStateStatus {
  state(): SharedState {
    return { configured: false, degraded: false };
  }
}

/** State the replicas of one deployment share (REDIS_URL): rate-limit and activity counters. */
@Global()
@Module({
  providers: [
    {
      provide: SharedStateStatus,
      inject: [APP_CONFIG, ROOT_LOGGER],
      useFactory: ({ redis }: Pick<AppConfig, 'redis'>, logger: Logger) =>
        redis === undefined ? new NotShared() : new SharedRedis(redis.url, logger.child({ component: 'shared-state' })),
    },
    {
      provide: WindowCounters,
      inject: [SharedStateStatus, APP_CONFIG, Clock],
      useFactory: (status: SharedStateStatus, { redis }: Pick<AppConfig, 'redis'>, clock: Clock) =>
        new WindowCounters(status instanceof SharedRedis ? status : undefined, redis?.keyPrefix ?? '', clock),
    },
  ],
  exports: [SharedStateStatus, WindowCounters],
})
export class SharedStateModule {}
