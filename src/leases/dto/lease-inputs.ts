import { ArgsType, Field, ID, InputType, Int } from '@nestjs/graphql';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  IsUUID,
  Matches,
  MaxLength,
  Min,
  MinLength,
  ValidateNested,
} from 'class-validator';
import { NamespaceField, NoControlCharacters, OptionalReasonField, SecretNameField } from '../../common/dto/fields.js';
import { PageArgs, PageQuery } from '../../common/paging/page.js';
import {
  NAMESPACE_MESSAGE,
  NAMESPACE_PATTERN,
  SUBJECT_MESSAGE,
  SUBJECT_PATTERN,
} from '../../common/vocabulary/names.js';

const MAX_AUDIENCES = 10;
const MAX_AUDIENCE_LENGTH = 256;

/** The states a caller can filter leases by. */
export const LEASE_VIEW_STATES = ['pending', 'active', 'revoked', 'expired'] as const;
export type LeaseViewState = (typeof LEASE_VIEW_STATES)[number];

/** `{namespace}/{name}` of a ServiceAccount, for REST paths and GraphQL arguments alike. */
@ArgsType()
export class ServiceAccountParams {
  @NamespaceField()
  namespace: string;

  @SecretNameField('A ServiceAccount name')
  name: string;
}

/** `{id}` of a lease. */
@ArgsType()
export class LeaseIdParams {
  @ApiProperty({ format: 'uuid', description: 'A lease id' })
  @Field(() => ID, { description: 'A lease id' })
  @IsUUID('all', { message: 'id must be a UUID' })
  id: string;
}

@InputType({ description: 'How long a leased token works, for whom and why' })
export class LeaseServiceAccountInput {
  @ApiProperty({ minimum: 1, example: 900, description: 'How long the token works, in seconds' })
  @Field(() => Int, { description: 'How long the token works, in seconds' })
  @IsInt({ message: 'ttlSeconds must be an integer' })
  @Min(1)
  ttlSeconds: number;

  @ApiPropertyOptional({
    type: [String],
    maxItems: MAX_AUDIENCES,
    example: ['secrets-broker'],
    description: "Who the token is for; none: the API server's own audience",
  })
  @Field(() => [String], { nullable: true })
  @IsOptional()
  @ArrayMaxSize(MAX_AUDIENCES)
  @IsString({ each: true })
  @MinLength(1, { each: true })
  @MaxLength(MAX_AUDIENCE_LENGTH, { each: true })
  @NoControlCharacters()
  audiences?: string[];

  @OptionalReasonField('Why the token is needed, recorded with the lease')
  reason?: string;
}

/** Filters of a lease listing, shared by REST and GraphQL. */
export interface LeaseFilter {
  readonly namespace?: string;
  readonly subject?: string;
  readonly state?: LeaseViewState;
}

/** REST `GET /v1/leases`: filters and the page. */
export class ListLeasesQuery extends PageQuery implements LeaseFilter {
  @ApiPropertyOptional({ example: 'team-a', description: 'Only leases in this namespace' })
  @IsOptional()
  @Matches(NAMESPACE_PATTERN, { message: NAMESPACE_MESSAGE })
  namespace?: string;

  @ApiPropertyOptional({ example: 'user:alice', description: 'Who leased' })
  @IsOptional()
  @Matches(SUBJECT_PATTERN, { message: SUBJECT_MESSAGE })
  subject?: string;

  @ApiPropertyOptional({ enum: LEASE_VIEW_STATES, description: 'Only leases in this state' })
  @IsOptional()
  @IsIn(LEASE_VIEW_STATES, { message: `state must be one of ${LEASE_VIEW_STATES.join(', ')}` })
  state?: LeaseViewState;
}

/** GraphQL `leases(namespace, subject, state, first, after)`. */
@ArgsType()
export class LeasesArgs extends PageArgs implements LeaseFilter {
  @Field({ nullable: true, description: 'Only leases in this namespace' })
  @IsOptional()
  @Matches(NAMESPACE_PATTERN, { message: NAMESPACE_MESSAGE })
  namespace?: string;

  @Field({ nullable: true, description: 'Who leased' })
  @IsOptional()
  @Matches(SUBJECT_PATTERN, { message: SUBJECT_MESSAGE })
  subject?: string;

  @Field(() => String, { nullable: true, description: LEASE_VIEW_STATES.join(', ') })
  @IsOptional()
  @IsIn(LEASE_VIEW_STATES, { message: `state must be one of ${LEASE_VIEW_STATES.join(', ')}` })
  state?: LeaseViewState;
}

/** GraphQL `leaseServiceAccountToken(namespace, name, input)`. */
@ArgsType()
export class LeaseServiceAccountArgs extends ServiceAccountParams {
  @Field(() => LeaseServiceAccountInput, { description: 'How long, for whom and why' })
  @ValidateNested()
  @Type(() => LeaseServiceAccountInput)
  input: LeaseServiceAccountInput;
}
