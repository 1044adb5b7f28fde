import { Args, Mutation, Query, Resolver, Subscription } from '@nestjs/graphql';
import type { Actor } from '../../common/actor.js';
import { CurrentActor, RequireVerb } from '../../common/http/route-decorators.js';
import { pageOf } from '../../common/paging/page.js';
import { CreateWebhookInput } from '../dto/create-webhook.input.js';
import { WebhookDeliveriesArgs, WebhookDeliveryParams, WebhookIdParams } from '../dto/params.js';
import { SecretEventsArgs } from '../dto/secret-events.args.js';
import {
  DeliveryPage,
  DeliveryView,
  SecretEventView,
  WebhookView,
  WebhookWithSecretView,
} from '../models/webhook.model.js';
import { SecretEventsService } from '../secret-events.service.js';
import { WebhooksService } from '../webhooks.service.js';

@Resolver()
export class WebhooksResolver {
  constructor(
    private readonly webhooksService: WebhooksService,
    private readonly secretEventsService: SecretEventsService,
  ) {}

  @Query(() => [WebhookView], {
    description: 'The webhook subscriptions inside the scope where the caller manages webhooks',
  })
  @RequireVerb('webhooks:manage')
  webhooks(@CurrentActor() actor: Actor): Promise<WebhookView[]> {
    return this.webhooksService.list(actor);
  }

  @Query(() => WebhookView, { description: 'One webhook subscription, without its signing secret' })
  @RequireVerb('webhooks:manage')
  webhook(@CurrentActor() actor: Actor, @Args() { id }: WebhookIdParams): Promise<WebhookView> {
    return this.webhooksService.get(actor, id);
  }

  @Query(() => DeliveryPage, {
    description: 'The delivery log of a subscription: attempts, status codes, next attempt; newest first',
  })
  @RequireVerb('webhooks:manage')
  webhookDeliveries(@CurrentActor() actor: Actor, @Args() args: WebhookDeliveriesArgs): Promise<DeliveryPage> {
    return this.webhooksService.listDeliveries(actor, args.id, pageOf(args));
  }

  @Mutation(() => WebhookWithSecretView, {
    description:
      'Subscribe a URL to lifecycle events (needs list over the whole scope); returns the signing secret once',
  })
  @RequireVerb('webhooks:manage')
  createWebhook(
    @CurrentActor() actor: Actor,
    @Args('input', { description: 'Where to deliver, which events, for which secrets' }) input: CreateWebhookInput,
  ): Promise<WebhookWithSecretView> {
    return this.webhooksService.create(actor, input);
  }

  @Mutation(() => WebhookView, { description: 'Delete a webhook subscription and its delivery log' })
  @RequireVerb('webhooks:manage')
  deleteWebhook(@CurrentActor() actor: Actor, @Args() { id }: WebhookIdParams): Promise<WebhookView> {
    return this.webhooksService.delete(actor, id);
  }

  @Mutation(() => WebhookWithSecretView, {
    description: 'Replace the signing secret of a subscription; the new one is returned once',
  })
  @RequireVerb('webhooks:manage')
  rotateWebhookSigningSecret(
    @CurrentActor() actor: Actor,
    @Args() { id }: WebhookIdParams,
  ): Promise<WebhookWithSecretView> {
    return this.webhooksService.rotateSigningSecret(actor, id);
  }

  @Mutation(() => DeliveryView, {
    description: 'Send a delivery again now (a fresh budget of attempts; the log is kept)',
  })
  @RequireVerb('webhooks:manage')
  redeliverWebhook(
    @CurrentActor() actor: Actor,
    @Args() { id, deliveryId }: WebhookDeliveryParams,
  ): Promise<DeliveryView> {
    return this.webhooksService.redeliver(actor, id, deliveryId);
  }

  @Subscription(() => SecretEventView, {
    description: 'Lifecycle events of the secrets of a namespace (or one secret) the caller may list',
    resolve: (event: SecretEventView) => event,
  })
  @RequireVerb('list')
  secretEvents(
    @CurrentActor() actor: Actor,
    @Args() args: SecretEventsArgs,
  ): Promise<AsyncIterableIterator<SecretEventView>> {
    return this.secretEventsService.subscribe(actor, args);
  }
}
