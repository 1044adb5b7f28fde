import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AuditModule } from '../audit/audit.module.js';
import { LifecycleEvents } from '../lifecycle-events/lifecycle-events.js';
import { PagingModule } from '../common/paging/paging.module.js';
import { GrantsModule } from '../grants/grants.module.js';
import { WebhooksController } from './api/webhooks.controller.js';
import { WebhooksResolver } from './api/webhooks.resolver.js';
import { LifecycleEventEntity } from './entities/lifecycle-event.entity.js';
import { WebhookDeliveryEntity } from './entities/webhook-delivery.entity.js';
import { WebhookSubscriptionEntity } from './entities/webhook-subscription.entity.js';
import { DestinationPolicy, HostResolver } from './destination-policy.js';
import { LifecycleOutbox } from './lifecycle-outbox.js';
import { LiveEvents } from './live-events.js';
import { OutboxDispatcher } from './outbox-dispatcher.js';
import { SecretEventsService } from './secret-events.service.js';
import { MigratedSubscriptionSecrets, SigningSecrets } from './signing-secrets.js';
import { SigningSecretKeys } from './signing-secret-keys.js';
import { SubscriptionCoverage } from './subscription-coverage.js';
import { WebhookSender } from './webhook-sender.js';
import { WebhooksService } from './webhooks.service.js';

/**
 * Lifecycle events: the outbox every change writes to, its dispatch to webhook subscriptions
 * (signed deliveries, retried) and to live GraphQL subscribers, and the subscriptions' API.
 */
@Module({
  imports: [
    TypeOrmModule.forFeature([LifecycleEventEntity, WebhookSubscriptionEntity, WebhookDeliveryEntity]),
    GrantsModule,
    AuditModule,
    PagingModule,
  ],
  controllers: [WebhooksController],
  providers: [
    { provide: LifecycleEvents, useClass: LifecycleOutbox },
    SigningSecrets,
    SigningSecretKeys,
    MigratedSubscriptionSecrets,
    LiveEvents,
    HostResolver,
    DestinationPolicy,
    WebhookSender,
    SubscriptionCoverage,
    OutboxDispatcher,
    WebhooksService,
    SecretEventsService,
    WebhooksResolver,
  ],
  exports: [LifecycleEvents, SigningSecretKeys, LiveEvents],
})
export class WebhooksModule {}
