import { Field, GraphQLISODateTime, ID, Int, ObjectType } from '@nestjs/graphql';
import { ApiProperty } from '@nestjs/swagger';
import { LIFECYCLE_EVENT_TYPES } from '../../common/events/lifecycle-events.js';

@ObjectType('Webhook', { description: 'A lifecycle webhook subscription (its signing secret is shown only once)' })
export class WebhookView {
  @ApiProperty({ format: 'uuid' })
  @Field(() => ID)
  id: string;

  @ApiProperty({ example: 'https://hooks.example.com/secrets-broker' })
  @Field()
  url: string;

  @ApiProperty({ type: [String], enum: LIFECYCLE_EVENT_TYPES })
  @Field(() => [String])
  eventTypes: string[];

  @ApiProperty({ example: 'team-a' })
  @Field()
  namespace: string;

  @ApiProperty({ example: 'db-*' })
  @Field()
  namePattern: string;

  @ApiProperty({ type: String, nullable: true })
  @Field(() => String, { nullable: true })
  description: string | null;

  @ApiProperty({ type: String, format: 'date-time', nullable: true })
  @Field(() => GraphQLISODateTime, { nullable: true })
  expiresAt: Date | null;

  @ApiProperty()
  @Field()
  createdBy: string;

  @ApiProperty({ type: String, format: 'date-time' })
  @Field(() => GraphQLISODateTime)
  createdAt: Date;
}

@ObjectType('WebhookWithSecret', { description: 'A subscription with its signing secret, returned once' })
export class WebhookWithSecretView extends WebhookView {
  @ApiProperty({
    example: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
    description: 'The Standard Webhooks signing secret; shown only now, store it',
  })
  @Field({ description: 'The Standard Webhooks signing secret; shown only now, store it' })
  signingSecret: string;
}

@ObjectType('WebhookDeliveryAttempt')
export class DeliveryAttemptView {
  @ApiProperty({ type: String, format: 'date-time' })
  @Field(() => GraphQLISODateTime)
  at: Date;

  @ApiProperty({ type: Number, nullable: true, description: 'The HTTP status the receiver answered' })
  @Field(() => Int, { nullable: true })
  statusCode: number | null;

  @ApiProperty({ type: String, nullable: true })
  @Field(() => String, { nullable: true })
  error: string | null;

  @ApiProperty()
  @Field(() => Int)
  durationMs: number;
}

@ObjectType('WebhookDelivery', { description: 'One event for one subscription, and how its delivery went' })
export class DeliveryView {
  @ApiProperty({ format: 'uuid' })
  @Field(() => ID)
  id: string;

  @ApiProperty({ format: 'uuid' })
  @Field(() => ID)
  subscriptionId: string;

  @ApiProperty({ format: 'uuid', description: 'Sent as webhook-id on every attempt' })
  @Field(() => ID)
  eventId: string;

  @ApiProperty({ enum: LIFECYCLE_EVENT_TYPES })
  @Field()
  eventType: string;

  @ApiProperty({ enum: ['pending', 'delivered', 'failed'] })
  @Field()
  state: string;

  @ApiProperty()
  @Field(() => Int)
  attempts: number;

  @ApiProperty({ type: String, format: 'date-time', nullable: true })
  @Field(() => GraphQLISODateTime, { nullable: true })
  nextAttemptAt: Date | null;

  @ApiProperty({ type: Number, nullable: true })
  @Field(() => Int, { nullable: true })
  lastStatusCode: number | null;

  @ApiProperty({ type: String, nullable: true })
  @Field(() => String, { nullable: true })
  lastError: string | null;

  @ApiProperty({ type: String, format: 'date-time', nullable: true })
  @Field(() => GraphQLISODateTime, { nullable: true })
  deliveredAt: Date | null;

  @ApiProperty({ type: String, format: 'date-time' })
  @Field(() => GraphQLISODateTime)
  createdAt: Date;

  @ApiProperty({ type: [DeliveryAttemptView], description: 'The most recent attempts, oldest first' })
  @Field(() => [DeliveryAttemptView])
  attemptLog: DeliveryAttemptView[];
}

@ObjectType('WebhookDeliveryPage')
export class DeliveryPage {
  @ApiProperty({ type: [DeliveryView] })
  @Field(() => [DeliveryView])
  items: DeliveryView[];

  @ApiProperty({ type: String, nullable: true, description: 'Pass as `continue` (GraphQL: `after`) for the next page' })
  @Field(() => String, { nullable: true, description: 'Pass as `after` for the next page' })
  continue: string | null;
}

@ObjectType('SecretEvent', { description: 'A lifecycle event of a secret: facts, never a value' })
export class SecretEventView {
  @Field(() => ID)
  id: string;

  @Field()
  type: string;

  @Field()
  namespace: string;

  @Field()
  name: string;

  @Field(() => Int, { nullable: true })
  version: number | null;

  @Field({ description: 'Who caused it' })
  subject: string;

  @Field(() => GraphQLISODateTime)
  occurredAt: Date;
}
