import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AuditModule } from '../audit/audit.module.js';
import { PagingModule } from '../common/paging/paging.module.js';
import type { AppConfig } from '../config/app-config.js';
import { APP_CONFIG } from '../config/config.module.js';
import { GrantsModule } from '../grants/grants.module.js';
import { WebhooksModule } from '../webhooks/webhooks.module.js';
import { SecretsController } from './api/secrets.controller.js';
import { SecretsResolver } from './api/secrets.resolver.js';
import { EnvelopeCipher } from './crypto/envelope-cipher.js';
import { SecretRecordEntity } from './entities/secret-record.entity.js';
import { SecretVersionEntity } from './entities/secret-version.entity.js';
import { SecretLoader } from './secret-loader.js';
import { SecretReconcilerService } from './secret-reconciler.service.js';
import { SecretVersionStore } from './secret-version.store.js';
import { SecretWriterService } from './secret-writer.service.js';
import { SecretsService } from './secrets.service.js';

@Module({
  imports: [
    TypeOrmModule.forFeature([SecretRecordEntity, SecretVersionEntity]),
    GrantsModule,
    AuditModule,
    PagingModule,
    WebhooksModule,
  ],
  controllers: [SecretsController],
  providers: [
    {
      provide: EnvelopeCipher,
      inject: [APP_CONFIG],
      useFactory: (config: Pick<AppConfig, 'encryptionKey'>) => new EnvelopeCipher(config.encryptionKey),
    },
    SecretVersionStore,
    SecretLoader,
    SecretsService,
    SecretWriterService,
    SecretReconcilerService,
    SecretsResolver,
  ],
  exports: [SecretVersionStore, SecretWriterService],
})
export class SecretsModule {}
