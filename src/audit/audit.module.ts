import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import type { Logger } from 'pino';
import { DataSource } from 'typeorm';
import { ClusterGateway } from '../cluster/cluster.gateway.js';
import { DerivedKeys } from '../crypto/derived-keys.js';
import { ROOT_LOGGER } from '../common/logging/logger.js';
import { WindowCounters } from '../common/shared-state/window-counters.js';
import type { AppConfig } from '../config/app-config.js';
import { APP_CONFIG } from '../config/config.module.js';
import { AlertWebhook } from './alert-webhook.js';
import { AuditArchives } from './audit-archives.js';
import { AuditCheckpointWriter } from './audit-checkpoint.writer.js';
import { AuditCheckpoints } from './audit-checkpoints.js';
import { AuditEventStore } from './audit-event.store.js';
import { PostgresAuditEventStore } from './postgres-audit-event.store.js';
import { SqliteAuditEventStore } from './sqlite-audit-event.store.js';
import { AuditKeys, beginKeyEpoch } from './audit-keys.js';
import { AuditRestores } from './audit-restores.js';
import { AuditService } from './audit.service.js';
import { ConfigMapCheckpointLocation, FileCheckpointLocation } from './checkpoint-locations.js';
import { AuditEventEntity } from './entities/audit-event.entity.js';
import { LegacyChainRekeying } from './legacy-chain.js';
import { SuspiciousActivityDetector } from './suspicious-activity.detector.js';

// Subjects and addresses whose denials are counted at once in memory (without Redis, or while it is down).
const MAX_TRACKED_ACTORS = 20_000;

/**
 * The audit trail's writer: AuditService, the chain and its checkpoints. Every domain imports it
 * to record; it imports no domain (reading the trail is AuditQueryModule's).
 */
@Module({
  imports: [TypeOrmModule.forFeature([AuditEventEntity])],
  providers: [
    {
      provide: AuditKeys,
      inject: [DerivedKeys],
      useFactory: (keys: DerivedKeys) => new AuditKeys(keys),
    },
    {
      provide: AuditEventStore,
      inject: [DataSource, APP_CONFIG, AuditKeys],
      useFactory: async (dataSource: DataSource, config: AppConfig, keys: AuditKeys) => {
        const store =
          config.database.kind === 'postgres'
            ? new PostgresAuditEventStore(dataSource, keys.link)
            : new SqliteAuditEventStore(dataSource, keys.link);
        await beginKeyEpoch(dataSource, store, keys);
        return store;
      },
    },
    {
      provide: AuditCheckpoints,
      inject: [ClusterGateway, APP_CONFIG, AuditKeys],
      useFactory: (cluster: ClusterGateway, { auditCheckpoint }: AppConfig, keys: AuditKeys) =>
        new AuditCheckpoints(
          [
            new ConfigMapCheckpointLocation(cluster, auditCheckpoint.namespace),
            ...(auditCheckpoint.file === undefined ? [] : [new FileCheckpointLocation(auditCheckpoint.file)]),
          ],
          keys.checkpoint,
          keys.retiredCheckpointKeys,
        ),
    },
    {
      provide: LegacyChainRekeying,
      inject: [AuditEventStore, AuditCheckpoints, AuditKeys, ROOT_LOGGER],
      useFactory: (store: AuditEventStore, checkpoints: AuditCheckpoints, keys: AuditKeys, logger: Logger) =>
        new LegacyChainRekeying(store, checkpoints, keys.link, logger.child({ component: 'audit' })),
    },
    {
      provide: SuspiciousActivityDetector,
      inject: [APP_CONFIG, WindowCounters],
      useFactory: ({ suspiciousActivity }: AppConfig, counters: WindowCounters) =>
        new SuspiciousActivityDetector(
          counters.counter('suspicious-activity', MAX_TRACKED_ACTORS),
          suspiciousActivity.threshold,
          suspiciousActivity.windowSeconds * 1000,
        ),
    },
    {
      provide: AlertWebhook,
      inject: [APP_CONFIG, ROOT_LOGGER],
      useFactory: (config: AppConfig, logger: Logger) =>
        new AlertWebhook(config.alertWebhook, logger.child({ component: 'alert-webhook' })),
    },
    AuditService,
    AuditRestores,
    AuditCheckpointWriter,
    AuditArchives,
  ],
  exports: [
    AuditService,
    AuditCheckpoints,
    AuditKeys,
    AuditRestores,
    AuditCheckpointWriter,
    AuditArchives,
    AuditEventStore,
    TypeOrmModule,
  ],
})
export class AuditModule {}
