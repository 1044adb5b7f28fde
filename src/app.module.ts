import { ApolloDriver, ApolloDriverConfig } from '@nestjs/apollo';
import { DynamicModule, Module } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { GraphQLModule } from '@nestjs/graphql';
import { TypeOrmModule } from '@nestjs/typeorm';
import type { Logger } from 'pino';
import { AccessModule } from './access/access.module.js';
import { AuditQueryModule } from './audit-query/audit-query.module.js';
import { AuthModule } from './auth/auth.module.js';
import { databaseOptions } from './common/database/database-options.js';
import { ENTITIES } from './entities.js';
import { ProblemDetailsFilter } from './common/errors/problem-details.filter.js';
import { graphqlOptions } from './common/graphql/graphql-options.js';
import { WebSocketAuthentication } from './common/graphql/websocket-authentication.js';
import { ROOT_LOGGER } from './common/logging/logger.js';
import { ClockModule } from './common/time/clock.module.js';
import { SharedStateModule } from './common/shared-state/shared-state.module.js';
import type { AppConfig } from './config/app-config.js';
import { ConfigModule } from './config/config.module.js';
import { CryptoModule } from './crypto/crypto.module.js';
import { ClusterModule } from './cluster/cluster.module.js';
import { GrantsModule } from './grants/grants.module.js';
import { LeasesModule } from './leases/leases.module.js';
import { RotationModule } from './rotation/rotation.module.js';
import { SecretsModule } from './secrets/secrets.module.js';
import { HealthModule } from './health/health.module.js';
import { MetricsModule } from './metrics/metrics.module.js';
import { RetentionModule } from './retention/retention.module.js';
import { WebhooksModule } from './webhooks/webhooks.module.js';

@Module({})
export class AppModule {
  static forRoot(config: AppConfig, logger: Logger): DynamicModule {
    return {
      module: AppModule,
      global: true,
      imports: [
        ConfigModule.forRoot(config),
        // Fail fast: an orchestrator restarts the process, which is clearer than silent retries.
        TypeOrmModule.forRoot({ ...databaseOptions(config.database, ENTITIES), retryAttempts: 0 }),
        ClockModule,
        CryptoModule,
        GraphQLModule.forRootAsync<ApolloDriverConfig>({
          driver: ApolloDriver,
          imports: [AuthModule],
          inject: [WebSocketAuthentication],
          useFactory: (authentication: WebSocketAuthentication) => ({
            ...graphqlOptions(config.production, authentication, logger),
          }),
        }),
        SharedStateModule,
        AuthModule,
        GrantsModule,
        ClusterModule,
        SecretsModule,
        LeasesModule,
        RotationModule,
        HealthModule,
        MetricsModule,
        AuditQueryModule,
        WebhooksModule,
        RetentionModule,
        AccessModule,
      ],
      providers: [
        { provide: ROOT_LOGGER, useValue: logger },
        { provide: APP_FILTER, useClass: ProblemDetailsFilter },
      ],
      exports: [ROOT_LOGGER],
    };
  }
}
