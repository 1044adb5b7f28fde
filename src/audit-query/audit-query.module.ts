import { Module } from '@nestjs/common';
import { PagingModule } from '../common/paging/paging.module.js';
import { GrantsModule } from '../grants/grants.module.js';
import { AuditModule } from '../audit/audit.module.js';
import { AuditEventsController } from './api/audit-events.controller.js';
import { AuditEventsResolver } from './api/audit-events.resolver.js';
import { AuditQueryService } from './audit-query.service.js';

/** Reading the audit trail (list, export, verify): needs grants to decide what a caller may see. */
@Module({
  imports: [AuditModule, GrantsModule, PagingModule],
  controllers: [AuditEventsController],
  providers: [AuditQueryService, AuditEventsResolver],
})
export class AuditQueryModule {}
