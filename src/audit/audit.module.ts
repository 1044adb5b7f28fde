import { Global, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import type { Logger } from 'pino';
import { DataSource } from 'typeorm';
import { ROOT_LOGGER } from '../common/logging/logger.js';
import type { AppConfig } from '../config/app-config.js';
import { APP_CONFIG } from '../config/config.module.js';
import { GrantsModule } from '../grants/grants.module.js';
import { AlertWebhook } from './alert-webhook.js';
import { AuditEventsController } from './api/audit-events.controller.js';
import { AuditEventsResolver } from './api/audit-events.resolver.js';
import { AuditEventStore, PostgresAuditEventStore, SqliteAuditEventStore } from './audit-event.store.js';
import { AuditQueryService } from './audit-query.service.js';
import { AuditService } from './audit.service.js';
import { AuditEventEntity } from './entities/audit-event.entity.js';
import { SuspiciousActivityDetector } from './suspicious-activity.detector.js';

/** The audit trail: global, so every domain service records through AuditService. */
@Global()
@Module({
  imports: [TypeOrmModule.forFeature([AuditEventEntity]), GrantsModule],
  controllers: [AuditEventsController],
  providers: [
    {
      provide: AuditEventStore,
      inject: [DataSource, APP_CONFIG],
      useFactory: (dataSource: DataSource, config: AppConfig) =>
        config.database.kind === 'postgres'
          ? new PostgresAuditEventStore(dataSource)
          : new SqliteAuditEventStore(dataSource),
    },
    {
      provide: SuspiciousActivityDetector,
      inject: [APP_CONFIG],
      useFactory: ({ suspiciousActivity }: AppConfig) =>
        new SuspiciousActivityDetector(suspiciousActivity.threshold, suspiciousActivity.windowSeconds * 1000),
    },
    {
      provide: AlertWebhook,
      inject: [APP_CONFIG, ROOT_LOGGER],
      useFactory: (config: AppConfig, logger: Logger) =>
        new AlertWebhook(config.alertWebhook, logger.child({ component: 'alert-webhook' })),
    },
    AuditService,
    AuditQueryService,
    AuditEventsResolver,
  ],
  exports: [AuditService],
})
export class AuditModule {}
