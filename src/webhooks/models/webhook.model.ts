import { Field, GraphQLISODateTime, ID, Int, ObjectType } from '@nestjs/graphql';
import { ApiProperty } from '@nestjs/swagger';
import { LIFECYCLE_EVENT_TYPES } from '../../lifecycle-events/lifecycle-events.js';

@ObjectType('Webhook', { description: 'A lifecycle webhook subscription (its signing secret is shown only once)' })
export class WebhookView {
  @ApiProperty({ format: 'uuid', description: 'The subscription id' })
  @Field(() => ID)
  id: string;

  @ApiProperty({ description: 'Where deliveries are POSTed', example: 'https://hooks.example.com/secrets-broker' })
  @Field()
  url: string;

  @ApiProperty({ type: [String], enum: LIFECYCLE_EVENT_TYPES, description: 'The lifecycle events delivered' })
  @Field(() => [String])
  eventTypes: string[];

  @ApiProperty({ example: 'team-a', description: 'The namespace watched, or * for all' })
  @Field()
  namespace: string;

  @ApiProperty({ example: 'db-*', description: 'Glob over secret names: * and ?' })
  @Field()
  namePattern: string;

  @ApiProperty({ type: String, nullable: true, description: 'What the subscription is for, as its creator said' })
  @Field(() => String, { nullable: true })
  description: string | null;

  @ApiProperty({
    type: String,
    format: 'date-time',
    nullable: true,
    description: 'After this nothing more is delivered; null: no expiry',
  })
  @Field(() => GraphQLISODateTime, { nullable: true })
  expiresAt: Date | null;

  @ApiProperty({ example: 'user:alice', description: 'Who subscribed' })
  @Field()
  createdBy: string;

  @ApiProperty({ type: String, format: 'date-time', description: 'When it was created' })
  @Field(() => GraphQLISODateTime)
  createdAt: Date;

  @ApiProperty({
    type: String,
    format: 'date-time',
    nullable: true,
    description: "When the owner's grants stopped covering it; nothing is delivered since. null: active",
  })
  @Field(() => GraphQLISODateTime, {
    nullable: true,
    description: "When the owner's grants stopped covering it; nothing is delivered since",
  })
  suspendedAt: Date | null;

  @ApiProperty({ type: String, nullable: true, description: 'Why it was suspended' })
  @Field(() => String, { nullable: true, description: 'Why it was suspended' })
  suspendedReason: string | null;
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

@ObjectType('WebhookDeliveryAttempt', { description: 'One HTTP attempt of a delivery' })
export class DeliveryAttemptView {
  @ApiProperty({ type: String, format: 'date-time', description: 'When the attempt was made' })
  @Field(() => GraphQLISODateTime)
  at: Date;

  @ApiProperty({ type: Number, nullable: true, description: 'The HTTP status the receiver answered' })
  @Field(() => Int, { nullable: true })
  statusCode: number | null;

  @ApiProperty({
    type: String,
    nullable: true,
    description: 'Why the attempt failed without an answer (timeout, refused)',
  })
  @Field(() => String, { nullable: true })
  error: string | null;

  @ApiProperty({ description: 'How long the attempt took, in milliseconds' })
  @Field(() => Int)
  durationMs: number;
}

@ObjectType('WebhookDelivery', { description: 'One event for one subscription, and how its delivery went' })
export class DeliveryView {
  @ApiProperty({ format: 'uuid', description: 'The delivery id' })
  @Field(() => ID)
  id: string;

  @ApiProperty({ format: 'uuid', description: 'The subscription it is for' })
  @Field(() => ID)
  subscriptionId: string;

  @ApiProperty({ format: 'uuid', description: 'Sent as webhook-id on every attempt' })
  @Field(() => ID)
  eventId: string;

  @ApiProperty({ enum: LIFECYCLE_EVENT_TYPES, description: 'The lifecycle event delivered' })
  @Field()
  eventType: string;

  @ApiProperty({
    enum: ['pending', 'delivered', 'failed'],
    description: 'failed: every attempt of its budget was refused; it can be redelivered',
  })
  @Field()
  state: string;

  @ApiProperty({ description: 'Attempts made so far' })
  @Field(() => Int)
  attempts: number;

  @ApiProperty({
    type: String,
    format: 'date-time',
    nullable: true,
    description: 'When the next attempt is due; null once delivered or failed',
  })
  @Field(() => GraphQLISODateTime, { nullable: true })
  nextAttemptAt: Date | null;

  @ApiProperty({ type: Number, nullable: true, description: 'The HTTP status of the last attempt, if answered' })
  @Field(() => Int, { nullable: true })
  lastStatusCode: number | null;

  @ApiProperty({ type: String, nullable: true, description: 'Why the last attempt failed, if it did' })
  @Field(() => String, { nullable: true })
  lastError: string | null;

  @ApiProperty({
    type: String,
    format: 'date-time',
    nullable: true,
    description: 'When a 2xx answer came; null until then',
  })
  @Field(() => GraphQLISODateTime, { nullable: true })
  deliveredAt: Date | null;

  @ApiProperty({ type: String, format: 'date-time', description: 'When the event was queued for this subscription' })
  @Field(() => GraphQLISODateTime)
  createdAt: Date;

  @ApiProperty({ type: [DeliveryAttemptView], description: 'The most recent attempts, oldest first' })
  @Field(() => [DeliveryAttemptView])
  attemptLog: DeliveryAttemptView[];
}

@ObjectType('WebhookDeliveryPage', { description: 'One page of the delivery log, newest first' })
export class DeliveryPage {
  @ApiProperty({ type: [DeliveryView], description: 'The deliveries of this page' })
  @Field(() => [DeliveryView])
  items: DeliveryView[];

  @ApiProperty({ type: String, nullable: true, description: 'Pass as `continue` (GraphQL: `after`) for the next page' })
  @Field(() => String, { nullable: true, description: 'Pass as `after` for the next page' })
  continue: string | null;
}

@ObjectType('SecretEvent', { description: 'A lifecycle event of a secret: facts, never a value' })
export class SecretEventView {
  @Field(() => ID, { description: 'The event id, also the webhook-id of its deliveries' })
  id: string;

  @Field({ description: `One of ${LIFECYCLE_EVENT_TYPES.join(', ')}` })
  type: string;

  @Field({ description: 'The namespace of the secret' })
  namespace: string;

  @Field({ description: 'The name of the secret' })
  name: string;

  @Field(() => Int, { nullable: true, description: 'The version concerned, where there is one' })
  version: number | null;

  @Field({ description: 'Who caused it' })
  subject: string;

  @Field(() => GraphQLISODateTime, { description: 'When it happened' })
  occurredAt: Date;
}
