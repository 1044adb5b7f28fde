import { Body, Delete, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiOperation } from '@nestjs/swagger';
import type { Actor } from '../../common/actor.js';
import { ApiController } from '../../common/http/api-controller.decorator.js';
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
  @ApiOperation({ summary: 'List the webhook subscriptions inside the scope where the caller manages webhooks' })
  list(@CurrentActor() actor: Actor): Promise<WebhookView[]> {
    return this.webhooks.list(actor);
  }

  @Post()
  @RequireVerb('webhooks:manage')
  @ApiOperation({
    summary:
      'Subscribe a URL to lifecycle events (needs webhooks:manage and list over the whole scope); returns the signing secret once',
  })
  create(@CurrentActor() actor: Actor, @Body() input: CreateWebhookInput): Promise<WebhookWithSecretView> {
    return this.webhooks.create(actor, input);
  }

  @Get(':id')
  @RequireVerb('webhooks:manage')
  @ApiOperation({ summary: 'Get one webhook subscription' })
  get(@CurrentActor() actor: Actor, @Param() { id }: WebhookIdParams): Promise<WebhookView> {
    return this.webhooks.get(actor, id);
  }

  @Delete(':id')
  @RequireVerb('webhooks:manage')
  @ApiOperation({ summary: 'Delete a webhook subscription and its delivery log' })
  delete(@CurrentActor() actor: Actor, @Param() { id }: WebhookIdParams): Promise<WebhookView> {
    return this.webhooks.delete(actor, id);
  }

  @Post(':id/signing-secret')
  @HttpCode(200)
  @RequireVerb('webhooks:manage')
  @ApiOperation({ summary: 'Replace the signing secret; the new one is returned once' })
  rotateSigningSecret(@CurrentActor() actor: Actor, @Param() { id }: WebhookIdParams): Promise<WebhookWithSecretView> {
    return this.webhooks.rotateSigningSecret(actor, id);
  }

  @Get(':id/deliveries')
  @RequireVerb('webhooks:manage')
  @ApiOperation({ summary: 'The delivery log: attempts, status codes, next attempt; newest first' })
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
  @ApiOperation({ summary: 'Send a delivery again now (a fresh budget of attempts; the log is kept)' })
  redeliver(@CurrentActor() actor: Actor, @Param() { id, deliveryId }: WebhookDeliveryParams): Promise<DeliveryView> {
    return this.webhooks.redeliver(actor, id, deliveryId);
  }
}
