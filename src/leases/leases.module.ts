import { Module } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module.js';
import { AuthModule } from '../auth/auth.module.js';
import { PagingModule } from '../common/paging/paging.module.js';
import { GrantsModule } from '../grants/grants.module.js';
import { WebhooksModule } from '../webhooks/webhooks.module.js';
import { LeasesController } from './api/leases.controller.js';
import { LeasesResolver } from './api/leases.resolver.js';
import { LeaseSweeper } from './lease-sweeper.js';
import { LeaseStore } from './lease.store.js';
import { LeasesService } from './leases.service.js';

/** Leases of short-lived ServiceAccount tokens: issue, list, revoke, and the expiry sweeper. */
@Module({
  imports: [AuthModule, GrantsModule, AuditModule, PagingModule, WebhooksModule],
  controllers: [LeasesController],
  providers: [LeaseStore, LeasesService, LeaseSweeper, LeasesResolver],
})
export class LeasesModule {}
