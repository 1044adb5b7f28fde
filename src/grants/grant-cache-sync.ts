import { Inject, Injectable, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import type { Logger } from 'pino';
import { ChangeVersion } from '../common/database/change-version.js';
import { PgChannelListener } from '../common/database/pg-channel-listener.js';
import { ROOT_LOGGER } from '../common/logging/logger.js';
import type { AppConfig } from '../config/app-config.js';
import { APP_CONFIG } from '../config/config.module.js';
import { GRANTS_AND_ROLES, GrantCache } from './grant-cache.js';
import { PeriodicTask } from '../common/scheduling/periodic-task.js';

/**
 * PostgreSQL: hears other replicas' grant and role changes (LISTEN on a dedicated connection)
 * and passes them to the cache. Each time LISTEN is (re-)established the cache checks its
 * version, for changes made while nobody was listening. SQLite has no LISTEN: the version check
 * alone.
 */
@Injectable()
export class GrantChangeListener implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly listener: PgChannelListener | undefined;

  constructor(
    cache: GrantCache,
    @Inject(APP_CONFIG) config: Pick<AppConfig, 'database'>,
    @Inject(ROOT_LOGGER) rootLogger: Logger,
  ) {
    const logger = rootLogger.child({ component: 'grant-cache' });
    this.listener =
      config.database.kind === 'postgres'
        ? new PgChannelListener({
            url: config.database.url,
            channel: GRANTS_AND_ROLES.channel,
            applicationName: 'secrets-broker:grant-changes',
            logger,
            onNotification: (payload) => cache.notified(ChangeVersion.noticeOf(payload)),
            onListening: () => {
              cache.check().catch((error: unknown) => logger.error({ err: error }, 'grant cache version check failed'));
            },
          })
        : undefined;
  }

  onApplicationBootstrap(): void {
    this.listener?.start();
  }

  /** Stops listening (at shutdown); the periodic version check still keeps the cache current. */
  async stop(): Promise<void> {
    await this.listener?.stop();
  }

  onModuleDestroy(): Promise<void> {
    return this.stop();
  }
}

/** Every CACHE_VERSION_CHECK_SECONDS, the cache compares its version with the database's. */
@Injectable()
export class GrantVersionCheck implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly task: PeriodicTask;
  private readonly logger: Logger;

  constructor(
    private readonly cache: GrantCache,
    @Inject(APP_CONFIG) private readonly config: Pick<AppConfig, 'cache'>,
    @Inject(ROOT_LOGGER) rootLogger: Logger,
  ) {
    this.logger = rootLogger.child({ component: 'grant-cache' });
    // A check slower than the interval is not stacked up behind.
    this.task = new PeriodicTask(
      () => this.cache.check(),
      (error) => this.logger.error({ err: error }, 'grant cache version check failed'),
    );
  }

  onApplicationBootstrap(): void {
    this.task.start(this.config.cache.versionCheckSeconds);
  }

  onModuleDestroy(): Promise<void> {
    return this.task.stop();
  }
}
