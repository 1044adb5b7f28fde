import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AuditModule } from '../audit/audit.module.js';
import { PagingModule } from '../common/paging/paging.module.js';
import { GrantsModule } from '../grants/grants.module.js';
import { WebhooksModule } from '../webhooks/webhooks.module.js';
import { SecretsController } from './api/secrets.controller.js';
import { SecretsResolver } from './api/secrets.resolver.js';
import { RestartBatchEntity } from './entities/restart-batch.entity.js';
import { SecretRecordEntity } from './entities/secret-record.entity.js';
import { SecretVersionEntity } from './entities/secret-version.entity.js';
import { ConsumerRestarts } from './consumer-restarts.js';
import { FailedWrites } from './failed-writes.js';
import { KekRewrapService } from './kek-rewrap.service.js';
import { RevocationStore } from './revocation.store.js';
import { SecretVersionKeys } from './secret-version-keys.js';
import { SecretLoader } from './secret-loader.js';
import { SecretReconcilerService } from './secret-reconciler.service.js';
import { SecretSystemWrites } from './secret-system-writes.js';
import { SecretVersionStore } from './secret-version.store.js';
import { RestartBatchStore } from './restart-batch.store.js';
import { RestartBatches } from './restart-batches.js';
import { RotationPolicyService } from './rotation-policy.service.js';
import { SecretWriterService } from './secret-writer.service.js';
import { SecretsService } from './secrets.service.js';

@Module({
  imports: [
    TypeOrmModule.forFeature([SecretRecordEntity, SecretVersionEntity, RestartBatchEntity]),
    GrantsModule,
    AuditModule,
    PagingModule,
    WebhooksModule,
  ],
  controllers: [SecretsController],
  providers: [
    SecretVersionStore,
    RevocationStore,
    SecretLoader,
    SecretsService,
    SecretWriterService,
    RotationPolicyService,
    RestartBatchStore,
    RestartBatches,
    ConsumerRestarts,
    FailedWrites,
    { provide: SecretSystemWrites, useExisting: SecretWriterService },
    SecretReconcilerService,
    SecretVersionKeys,
    KekRewrapService,
    SecretsResolver,
  ],
  exports: [SecretVersionStore, SecretWriterService, SecretSystemWrites],
})
export class SecretsModule {}
