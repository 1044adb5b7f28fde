import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AuditModule } from '../audit/audit.module.js';
import { AccessReviewsController } from './api/access-reviews.controller.js';
import { GrantsController } from './api/grants.controller.js';
import { GrantsResolver } from './api/grants.resolver.js';
import { RolesController } from './api/roles.controller.js';
import { WhoamiController } from './api/whoami.controller.js';
import { BootstrapAdminsService } from './bootstrap-admins.service.js';
import { GrantEntity } from './entities/grant.entity.js';
import { GrantCache } from './grant-cache.js';
import { GrantChangeListener, GrantVersionCheck } from './grant-cache-sync.js';
import { GrantChanges } from './grant-changes.js';
import { RoleEntity } from './entities/role.entity.js';
import { GrantsService } from './grants.service.js';
import { PolicyService } from './policy.service.js';
import { RolesService } from './roles.service.js';
import { TemporaryGrants } from './temporary-grants.js';

@Module({
  imports: [TypeOrmModule.forFeature([GrantEntity, RoleEntity]), AuditModule],
  controllers: [WhoamiController, GrantsController, RolesController, AccessReviewsController],
  providers: [
    GrantCache,
    GrantChanges,
    GrantChangeListener,
    GrantVersionCheck,
    PolicyService,
    GrantsService,
    RolesService,
    BootstrapAdminsService,
    GrantsResolver,
    TemporaryGrants,
  ],
  exports: [PolicyService, TemporaryGrants],
})
export class GrantsModule {}
