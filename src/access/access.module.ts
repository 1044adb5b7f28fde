import { Module } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module.js';
import { PagingModule } from '../common/paging/paging.module.js';
import { GrantsModule } from '../grants/grants.module.js';
import { WebhooksModule } from '../webhooks/webhooks.module.js';
import { AccessPoliciesService } from './policies/access-policies.service.js';
import { AccessPoliciesController } from './policies/api/access-policies.controller.js';
import { AccessPoliciesResolver } from './policies/api/access-policies.resolver.js';
import { AccessRequestEvaluator } from './requests/access-request-evaluator.js';
import { AccessRequestEventsService } from './requests/access-request-events.service.js';
import { AccessRequestExpiry } from './requests/access-request-expiry.js';
import { AccessRequestStore } from './requests/access-request.store.js';
import { AccessRequestsService } from './requests/access-requests.service.js';
import { AccessReviewsService } from './requests/access-reviews.service.js';
import { AccessRequestsController } from './requests/api/access-requests.controller.js';
import { AccessRequestsResolver } from './requests/api/access-requests.resolver.js';

/**
 * Just-in-time access: policies, requests and their reviews, the grant an approval makes (through
 * the grants' TemporaryGrants port), expiry of unanswered requests, and the live inbox.
 */
@Module({
  imports: [GrantsModule, AuditModule, PagingModule, WebhooksModule],
  controllers: [AccessPoliciesController, AccessRequestsController],
  providers: [
    AccessRequestStore,
    AccessRequestEvaluator,
    AccessRequestExpiry,
    AccessPoliciesService,
    AccessRequestsService,
    AccessReviewsService,
    AccessRequestEventsService,
    AccessPoliciesResolver,
    AccessRequestsResolver,
  ],
})
export class AccessModule {}
