import { Field, GraphQLISODateTime, InputType } from '@nestjs/graphql';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsDate,
  IsIn,
  IsOptional,
  IsString,
  Matches,
  MaxLength,
} from 'class-validator';
import { MAX_REASON_LENGTH, NoControlCharacters } from '../../common/dto/fields.js';
import { LIFECYCLE_EVENT_TYPES, type LifecycleEventType } from '../../lifecycle-events/lifecycle-events.js';
import { NAME_PATTERN, NAMESPACE_SCOPE } from '../../common/vocabulary/scope.js';
import { MAX_WEBHOOK_URL_LENGTH } from '../webhook-rules.js';

@InputType({ description: 'A new webhook subscription: where to deliver, which events, for which secrets' })
export class CreateWebhookInput {
  @ApiProperty({
    example: 'https://hooks.example.com/secrets-broker',
    maxLength: MAX_WEBHOOK_URL_LENGTH,
    description: 'https:// (http:// only to a loopback address outside production); no credentials in the URL',
  })
  @Field()
  @IsString()
  @MaxLength(MAX_WEBHOOK_URL_LENGTH)
  @NoControlCharacters()
  url: string;

  @ApiProperty({
    type: [String],
    enum: LIFECYCLE_EVENT_TYPES,
    example: ['secret.rotated', 'secret.revoked'],
    description: 'The lifecycle events to deliver (at least one)',
  })
  @Field(() => [String], { description: `Any of ${LIFECYCLE_EVENT_TYPES.join(', ')}` })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(LIFECYCLE_EVENT_TYPES.length)
  @IsIn(LIFECYCLE_EVENT_TYPES, {
    each: true,
    message: `each event type must be one of ${LIFECYCLE_EVENT_TYPES.join(', ')}`,
  })
  eventTypes: LifecycleEventType[];

  @ApiProperty({ example: 'team-a', description: 'A namespace, or * for all' })
  @Field()
  @Matches(NAMESPACE_SCOPE, { message: 'namespace must be a DNS label or *' })
  namespace: string;

  @ApiPropertyOptional({ example: 'db-*', default: '*', description: 'Glob over names: * and ?' })
  @Field({ nullable: true })
  @IsOptional()
  @Matches(NAME_PATTERN, { message: 'namePattern may hold only a-z, 0-9, ., -, * and ?' })
  namePattern?: string;

  @ApiPropertyOptional({ maxLength: MAX_REASON_LENGTH, description: 'What the subscription is for, for its readers' })
  @Field(() => String, { nullable: true })
  @IsOptional()
  @IsString()
  @MaxLength(MAX_REASON_LENGTH)
  @NoControlCharacters()
  description?: string;

  @ApiPropertyOptional({
    type: String,
    format: 'date-time',
    description: 'No later than the covering grants of the creator that have an expiry',
  })
  @Field(() => GraphQLISODateTime, { nullable: true })
  @IsOptional()
  @Type(() => Date)
  @IsDate({ message: 'expiresAt must be an ISO 8601 date-time' })
  expiresAt?: Date;
}
