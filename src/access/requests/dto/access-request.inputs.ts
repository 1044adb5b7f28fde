import { applyDecorators } from '@nestjs/common';
import { ArgsType, Field, GraphQLISODateTime, ID, InputType, Int, registerEnumType } from '@nestjs/graphql';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import {
  IsBoolean,
  IsDate,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  IsUUID,
  Matches,
  Max,
  MaxLength,
  Min,
  ValidateNested,
} from 'class-validator';
import {
  OptionalFlagField,
  OptionalReasonField,
  MAX_REASON_LENGTH,
  NoControlCharacters,
} from '../../../common/dto/fields.js';
import { PageArgs, PageQuery } from '../../../common/paging/page.js';
import { ROLE_NAME_MESSAGE, ROLE_NAME_PATTERN } from '../../../common/vocabulary/names.js';
import { NAME_PATTERN, NAMESPACE_SCOPE } from '../../../common/vocabulary/scope.js';
import { MAX_ACCESS_SECONDS } from '../../policies/dto/access-policy.input.js';
import {
  ACCESS_REQUEST_STATES,
  POST_REVIEW_OUTCOMES,
  type AccessRequestState,
  type PostReviewOutcome,
} from '../entities/access-request.entity.js';
import { REVIEW_DECISIONS, type ReviewDecision } from '../entities/access-request-review.entity.js';

/** Which requests a listing shows: the caller's own, those waiting for its review, or all it manages. */
export const ACCESS_REQUEST_VIEWS = ['mine', 'needs-my-review', 'all'] as const;
export type AccessRequestListView = (typeof ACCESS_REQUEST_VIEWS)[number];

/** GraphQL's APPROVE and DENY are REST's approve and deny. */
export const AccessReviewDecisionEnum = { APPROVE: 'approve', DENY: 'deny' } as const;
registerEnumType(AccessReviewDecisionEnum, {
  name: 'AccessReviewDecision',
  description: 'APPROVE counts towards the approvals a request needs; DENY (with a reason) ends it',
  valuesMap: {
    APPROVE: { description: 'Counts once towards the approvals, while you hold approve over the scope' },
    DENY: { description: 'Ends the request (a reason is required)' },
  },
});

const REQUIRED_REASON = (description: string) =>
  applyDecorators(
    ApiProperty({ maxLength: MAX_REASON_LENGTH, description }),
    Field(() => String, { description }),
    IsString(),
    MaxLength(MAX_REASON_LENGTH),
    Matches(/\S/, { message: 'reason must not be blank' }),
    NoControlCharacters(),
  );

@InputType({ description: 'A request for a role on a scope, for a time, under a policy' })
export class RequestAccessInput {
  @ApiProperty({ example: 'team-a-db-readers', description: 'The policy to ask under' })
  @Field({ description: 'The policy to ask under' })
  @Matches(ROLE_NAME_PATTERN, { message: 'policy must be a policy name' })
  policy: string;

  @ApiProperty({ example: 'team-a', description: "A namespace inside the policy's (or * where the policy has *)" })
  @Field({ description: "A namespace inside the policy's" })
  @Matches(NAMESPACE_SCOPE, { message: 'namespace must be a DNS label or *' })
  namespace: string;

  @ApiPropertyOptional({
    example: 'db-main',
    description: "Glob over secret names inside the policy's (default: the policy's)",
  })
  @Field({ nullable: true, description: "Glob over secret names inside the policy's (default: the policy's)" })
  @IsOptional()
  @Matches(NAME_PATTERN, { message: 'namePattern may hold only a-z, 0-9, ., -, * and ?' })
  namePattern?: string;

  @ApiProperty({ example: 'reader', description: 'One of the roles the policy offers' })
  @Field({ description: 'One of the roles the policy offers' })
  @Matches(ROLE_NAME_PATTERN, { message: ROLE_NAME_MESSAGE })
  role: string;

  @ApiProperty({
    minimum: 60,
    maximum: MAX_ACCESS_SECONDS,
    example: 3600,
    description: 'How long the access should last, in seconds',
  })
  @Field(() => Int, { description: 'How long the access should last, in seconds' })
  @IsInt({ message: 'durationSeconds must be an integer' })
  @Min(60)
  @Max(MAX_ACCESS_SECONDS)
  durationSeconds: number;

  @OptionalReasonField('Why the access is needed (required by some policies, and for break-glass)')
  reason?: string;

  @ApiPropertyOptional({
    type: String,
    format: 'date-time',
    description: 'When the access should start (default: at approval)',
  })
  @Field(() => GraphQLISODateTime, {
    nullable: true,
    description: 'When the access should start (default: at approval)',
  })
  @IsOptional()
  @Type(() => Date)
  @IsDate({ message: 'startAt must be an ISO 8601 date-time' })
  startAt?: Date;

  @OptionalFlagField('Take the access at once, as a break-glass subject of the policy (a reason is required)')
  breakGlass?: boolean;

  @OptionalFlagField('Only show who could approve and the effective duration; nothing is stored')
  dryRun?: boolean;
}

/** Filters of a request listing, shared by REST and GraphQL. */
export interface AccessRequestFilter {
  readonly view?: AccessRequestListView;
  readonly state?: AccessRequestState;
  readonly unreviewedBreakGlass?: boolean;
}

const VIEW_DESCRIPTION =
  'mine: your own requests (default); needs-my-review: pending ones you may approve and break-glass uses awaiting a post-review; all: every request where you manage grants or may approve';
const UNREVIEWED_DESCRIPTION = 'Only break-glass uses that have no post-review yet';

/** REST `GET /v1/access-requests`. */
export class ListAccessRequestsQuery extends PageQuery implements AccessRequestFilter {
  @ApiPropertyOptional({ enum: ACCESS_REQUEST_VIEWS, default: 'mine', description: VIEW_DESCRIPTION })
  @IsOptional()
  @IsIn(ACCESS_REQUEST_VIEWS, { message: `view must be one of ${ACCESS_REQUEST_VIEWS.join(', ')}` })
  view?: AccessRequestListView;

  @ApiPropertyOptional({ enum: ACCESS_REQUEST_STATES, description: 'Only requests in this state' })
  @IsOptional()
  @IsIn(ACCESS_REQUEST_STATES, { message: `state must be one of ${ACCESS_REQUEST_STATES.join(', ')}` })
  state?: AccessRequestState;

  @ApiPropertyOptional({ type: Boolean, description: UNREVIEWED_DESCRIPTION })
  @IsOptional()
  @Transform(({ value }: { value: unknown }) => (value === 'true' ? true : value === 'false' ? false : value))
  @IsBoolean({ message: 'unreviewedBreakGlass must be true or false' })
  unreviewedBreakGlass?: boolean;
}

/** GraphQL `accessRequests(view, state, unreviewedBreakGlass, first, after)`. */
@ArgsType()
export class AccessRequestsArgs extends PageArgs implements AccessRequestFilter {
  @Field(() => String, { nullable: true, description: VIEW_DESCRIPTION })
  @IsOptional()
  @IsIn(ACCESS_REQUEST_VIEWS, { message: `view must be one of ${ACCESS_REQUEST_VIEWS.join(', ')}` })
  view?: AccessRequestListView;

  @Field(() => String, { nullable: true, description: ACCESS_REQUEST_STATES.join(', ') })
  @IsOptional()
  @IsIn(ACCESS_REQUEST_STATES, { message: `state must be one of ${ACCESS_REQUEST_STATES.join(', ')}` })
  state?: AccessRequestState;

  @Field(() => Boolean, { nullable: true, description: UNREVIEWED_DESCRIPTION })
  @IsOptional()
  @IsBoolean()
  unreviewedBreakGlass?: boolean;
}

/** `{id}` of an access request. */
@ArgsType()
export class AccessRequestIdParams {
  @ApiProperty({ format: 'uuid', description: 'An access request id' })
  @Field(() => ID, { description: 'An access request id' })
  @IsUUID('all', { message: 'id must be a UUID' })
  id: string;
}

/** REST body of `POST /v1/access-requests/{id}/reviews`. */
export class ReviewAccessRequestInput {
  @ApiProperty({
    enum: REVIEW_DECISIONS,
    description: 'approve counts towards the approvals; deny (with a reason) ends the request',
  })
  @IsIn(REVIEW_DECISIONS, { message: `decision must be one of ${REVIEW_DECISIONS.join(', ')}` })
  decision: ReviewDecision;

  @OptionalReasonField('Why (required to deny)')
  reason?: string;

  @ApiPropertyOptional({
    minimum: 1,
    maximum: MAX_ACCESS_SECONDS,
    description: 'The longest access you agree to, in seconds: it can only shorten',
  })
  @IsOptional()
  @IsInt({ message: 'maxDurationSeconds must be an integer' })
  // Any positive cap only narrows what was asked, so it needs no floor beyond one second.
  @Min(1)
  @Max(MAX_ACCESS_SECONDS)
  maxDurationSeconds?: number;
}

/** GraphQL `reviewAccessRequest(id, decision, reason, maxDurationSeconds)`. */
@ArgsType()
export class ReviewAccessRequestArgs extends AccessRequestIdParams {
  @Field(() => AccessReviewDecisionEnum, { description: 'APPROVE or DENY' })
  @IsIn(REVIEW_DECISIONS, { message: `decision must be APPROVE or DENY` })
  decision: ReviewDecision;

  @Field(() => String, { nullable: true, description: 'Why (required to deny)' })
  @IsOptional()
  @IsString()
  @MaxLength(MAX_REASON_LENGTH)
  @NoControlCharacters()
  reason?: string;

  @Field(() => Int, { nullable: true, description: 'The longest access you agree to, in seconds: it can only shorten' })
  @IsOptional()
  @IsInt({ message: 'maxDurationSeconds must be an integer' })
  @Min(1)
  @Max(MAX_ACCESS_SECONDS)
  maxDurationSeconds?: number;
}

/** REST body of `POST /v1/access-requests/{id}/withdraw`. */
@InputType({ description: 'Why a pending request is withdrawn' })
export class WithdrawAccessRequestInput {
  @OptionalReasonField('Why it is withdrawn')
  reason?: string;
}

/** REST body of `POST /v1/access-requests/{id}/revoke`. */
@InputType({ description: 'Why an approved access ends early' })
export class RevokeAccessRequestInput {
  @REQUIRED_REASON('Why the access ends early')
  reason: string;
}

/** REST body of `POST /v1/access-requests/{id}/post-review`. */
@InputType({ description: 'The review of a break-glass use, recorded afterwards' })
export class PostReviewAccessRequestInput {
  @ApiProperty({
    enum: POST_REVIEW_OUTCOMES,
    description: 'acknowledged: it was justified; flagged: it needs follow-up',
  })
  @Field(() => String, { description: POST_REVIEW_OUTCOMES.join(', ') })
  @IsIn(POST_REVIEW_OUTCOMES, { message: `outcome must be one of ${POST_REVIEW_OUTCOMES.join(', ')}` })
  outcome: PostReviewOutcome;

  @OptionalReasonField('Notes on the review')
  reason?: string;
}

/** GraphQL `requestAccess(input)`. */
@ArgsType()
export class RequestAccessArgs {
  @Field(() => RequestAccessInput, { description: 'What, where, for how long and why' })
  @ValidateNested()
  @Type(() => RequestAccessInput)
  input: RequestAccessInput;
}

/** GraphQL `withdrawAccessRequest(id, reason)`. */
@ArgsType()
export class WithdrawAccessRequestArgs extends AccessRequestIdParams {
  @Field(() => String, { nullable: true, description: 'Why it is withdrawn' })
  @IsOptional()
  @IsString()
  @MaxLength(MAX_REASON_LENGTH)
  @NoControlCharacters()
  reason?: string;
}

/** GraphQL `revokeAccessRequest(id, reason)`. */
@ArgsType()
export class RevokeAccessRequestArgs extends AccessRequestIdParams {
  @REQUIRED_REASON('Why the access ends early')
  reason: string;
}

/** GraphQL `postReviewAccessRequest(id, outcome, reason)`. */
@ArgsType()
export class PostReviewAccessRequestArgs extends AccessRequestIdParams {
  @Field(() => String, { description: POST_REVIEW_OUTCOMES.join(', ') })
  @IsIn(POST_REVIEW_OUTCOMES, { message: `outcome must be one of ${POST_REVIEW_OUTCOMES.join(', ')}` })
  outcome: PostReviewOutcome;

  @Field(() => String, { nullable: true, description: 'Notes on the review' })
  @IsOptional()
  @IsString()
  @MaxLength(MAX_REASON_LENGTH)
  @NoControlCharacters()
  reason?: string;
}
