import { ArgsType, Field, ID } from '@nestjs/graphql';
import { ApiProperty } from '@nestjs/swagger';
import { IsUUID } from 'class-validator';
import { PageArgs } from '../../common/paging/page.js';

/** `{id}` of a webhook subscription, for REST paths and GraphQL arguments alike. */
@ArgsType()
export class WebhookIdParams {
  @ApiProperty({ format: 'uuid', description: 'A webhook subscription id' })
  @Field(() => ID, { description: 'A webhook subscription id' })
  @IsUUID('all', { message: 'id must be a UUID' })
  id: string;
}

/** `{id}` and `{deliveryId}`: one delivery of one subscription. */
@ArgsType()
export class WebhookDeliveryParams extends WebhookIdParams {
  @ApiProperty({ format: 'uuid', description: 'A delivery id' })
  @Field(() => ID, { description: 'A delivery id' })
  @IsUUID('all', { message: 'deliveryId must be a UUID' })
  deliveryId: string;
}

/** GraphQL `webhookDeliveries`: one class for all its arguments, as the validation pipe sees them together. */
@ArgsType()
export class WebhookDeliveriesArgs extends PageArgs {
  @Field(() => ID, { description: 'A webhook subscription id' })
  @IsUUID('all', { message: 'id must be a UUID' })
  id: string;
}
