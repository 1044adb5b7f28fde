import { Body, Delete, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import type { Actor } from '../../common/actor.js';
import { ApiController } from '../../common/http/api-controller.decorator.js';
import { ApiRoute } from '../../common/http/api-route.decorator.js';
import { CurrentActor, RequireVerb } from '../../common/http/route-decorators.js';
import { pageOf, PageQuery } from '../../common/paging/page.js';
import { CreateWebhookInput } from '../dto/create-webhook.input.js';
import { WebhookDeliveryParams, WebhookIdParams } from '../dto/params.js';
import { DeliveryPage, DeliveryView, WebhookView, WebhookWithSecretView } from '../models/webhook.model.js';
import { WebhooksService } from '../webhooks.service.js';

@ApiController('v1/webhooks', 'webhooks')
export class WebhooksController {
  constructor(private readonly webhooks: WebhooksService) {}

  @Get()
  @RequireVerb('webhooks:manage')
  @ApiRoute({
    summary: 'List the webhook subscriptions inside the scope where the caller manages webhooks',
    description: 'Needs `webhooks:manage`; subscriptions reaching beyond where the caller has it are left out.',
    returns: [WebhookView],
    returnsDescription: 'The subscriptions, without their signing secrets',
    kind: 'guarded',
  })
  list(@CurrentActor() actor: Actor): Promise<WebhookView[]> {
    return this.webhooks.list(actor);
  }

  @Post()
  @RequireVerb('webhooks:manage')
  @ApiRoute({
    summary: 'Subscribe a URL to lifecycle events; returns the signing secret once',
    description:
      'Needs `webhooks:manage` and `list` over the whole scope (namespace and name pattern). Deliveries are signed the Standard Webhooks way with the secret returned here.',
    returns: WebhookWithSecretView,
    returnsDescription: 'The subscription and its signing secret, shown only now',
    status: 201,
    kind: 'submission',
    body: {
      type: CreateWebhookInput,
      description: 'Where to deliver, which events, for which secrets',
      example: {
        url: 'https://hooks.example.com/broker',
        eventTypes: ['secret.rotated', 'secret.revoked'],
        namespace: 'team-a',
        namePattern: 'db-*',
        description: 'deploy notifications',
      },
    },
  })
  create(@CurrentActor() actor: Actor, @Body() input: CreateWebhookInput): Promise<WebhookWithSecretView> {
    return this.webhooks.create(actor, input);
  }

  @Get(':id')
  @RequireVerb('webhooks:manage')
  @ApiRoute({
    summary: 'Get one webhook subscription',
    description: 'Needs `webhooks:manage` over the scope of the subscription.',
    returns: WebhookView,
    returnsDescription: 'The subscription, without its signing secret',
    kind: 'lookup',
  })
  get(@CurrentActor() actor: Actor, @Param() { id }: WebhookIdParams): Promise<WebhookView> {
    return this.webhooks.get(actor, id);
  }

  @Delete(':id')
  @RequireVerb('webhooks:manage')
  @ApiRoute({
    summary: 'Delete a webhook subscription and its delivery log',
    description: 'Needs `webhooks:manage` over the scope of the subscription; nothing more is delivered to it.',
    returns: WebhookView,
    returnsDescription: 'The deleted subscription',
    kind: 'lookup',
  })
  delete(@CurrentActor() actor: Actor, @Param() { id }: WebhookIdParams): Promise<WebhookView> {
    return this.webhooks.delete(actor, id);
  }

  @Post(':id/signing-secret')
  @HttpCode(200)
  @RequireVerb('webhooks:manage')
  @ApiRoute({
    summary: 'Replace the signing secret; the new one is returned once',
    description:
      'Needs `webhooks:manage` over the scope of the subscription. Deliveries from now on are signed with the new secret only.',
    returns: WebhookWithSecretView,
    returnsDescription: 'The subscription and its new signing secret, shown only now',
    kind: 'lookup',
  })
  rotateSigningSecret(@CurrentActor() actor: Actor, @Param() { id }: WebhookIdParams): Promise<WebhookWithSecretView> {
    return this.webhooks.rotateSigningSecret(actor, id);
  }

  @Get(':id/deliveries')
  @RequireVerb('webhooks:manage')
  @ApiRoute({
    summary: 'The delivery log: attempts, status codes, next attempt; newest first',
    description: 'Needs `webhooks:manage` over the scope of the subscription. Paged with `limit` and `continue`.',
    returns: DeliveryPage,
    returnsDescription: 'One page of deliveries',
    kind: 'lookup',
  })
  deliveries(
    @CurrentActor() actor: Actor,
    @Param() { id }: WebhookIdParams,
    @Query() page: PageQuery,
  ): Promise<DeliveryPage> {
    return this.webhooks.listDeliveries(actor, id, pageOf(page));
  }

  @Post(':id/deliveries/:deliveryId/redeliver')
  @HttpCode(202)
  @RequireVerb('webhooks:manage')
  @ApiRoute({
    summary: 'Send a delivery again now (a fresh budget of attempts; the log is kept)',
    description: 'Needs `webhooks:manage` over the scope of the subscription. The attempt runs in the background.',
    returns: DeliveryView,
    returnsDescription: 'The delivery, queued again',
    status: 202,
    kind: 'lookup',
  })
  redeliver(@CurrentActor() actor: Actor, @Param() { id, deliveryId }: WebhookDeliveryParams): Promise<DeliveryView> {
    return this.webhooks.redeliver(actor, id, deliveryId);
  }
}
