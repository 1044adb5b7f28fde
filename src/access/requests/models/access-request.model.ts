import { Field, GraphQLISODateTime, ID, Int, ObjectType } from '@nestjs/graphql';
import { ApiProperty } from '@nestjs/swagger';
import {
  ACCESS_REQUEST_STATES,
  POST_REVIEW_OUTCOMES,
  type AccessRequestState,
  type PostReviewOutcome,
} from '../entities/access-request.entity.js';
import { REVIEW_DECISIONS, type ReviewDecision } from '../entities/access-request-review.entity.js';

@ObjectType('AccessRequestReview', { description: "One reviewer's decision on an access request" })
export class AccessRequestReviewView {
  @ApiProperty({ example: 'user:bob', description: 'Who reviewed' })
  @Field()
  reviewer: string;

  @ApiProperty({ enum: REVIEW_DECISIONS, description: 'approve or deny' })
  @Field(() => String, { description: REVIEW_DECISIONS.join(', ') })
  decision: ReviewDecision;

  @ApiProperty({ type: String, nullable: true, description: 'Why, as the reviewer said' })
  @Field(() => String, { nullable: true })
  reason: string | null;

  @ApiProperty({ type: Number, nullable: true, description: 'The longest access this reviewer agreed to, in seconds' })
  @Field(() => Int, { nullable: true })
  maxDurationSeconds: number | null;

  @ApiProperty({ type: String, format: 'date-time', description: 'When' })
  @Field(() => GraphQLISODateTime)
  createdAt: Date;
}

@ObjectType('AccessRequestGrant', { description: 'The grant an approved request produced' })
export class AccessRequestGrantView {
  @ApiProperty({ format: 'uuid', description: 'The grant id' })
  @Field(() => ID)
  id: string;

  @ApiProperty({ type: String, format: 'date-time', description: 'When the access starts' })
  @Field(() => GraphQLISODateTime)
  notBefore: Date;

  @ApiProperty({ type: String, format: 'date-time', description: 'When the access ends (earlier if revoked)' })
  @Field(() => GraphQLISODateTime)
  expiresAt: Date;

  @ApiProperty({ description: 'Whether the access applies now' })
  @Field()
  active: boolean;

  @ApiProperty({ type: String, format: 'date-time', nullable: true, description: 'When it was revoked early' })
  @Field(() => GraphQLISODateTime, { nullable: true })
  revokedAt: Date | null;

  @ApiProperty({ type: String, nullable: true, description: 'Who revoked it early' })
  @Field(() => String, { nullable: true })
  revokedBy: string | null;

  @ApiProperty({ type: String, nullable: true, description: 'Why it was revoked early' })
  @Field(() => String, { nullable: true })
  revokeReason: string | null;
}

@ObjectType('BreakGlassPostReview', { description: 'The review of a break-glass use, recorded afterwards' })
export class PostReviewView {
  @ApiProperty({ enum: POST_REVIEW_OUTCOMES, description: 'acknowledged or flagged' })
  @Field(() => String, { description: POST_REVIEW_OUTCOMES.join(', ') })
  outcome: PostReviewOutcome;

  @ApiProperty({ description: 'Who reviewed it' })
  @Field()
  reviewer: string;

  @ApiProperty({ type: String, nullable: true, description: 'Notes' })
  @Field(() => String, { nullable: true })
  reason: string | null;

  @ApiProperty({ type: String, format: 'date-time', description: 'When' })
  @Field(() => GraphQLISODateTime)
  createdAt: Date;
}

@ObjectType('AccessRequest', { description: 'A request for a role on a scope, for a time; with its reviews and grant' })
export class AccessRequestView {
  @ApiProperty({ format: 'uuid', description: 'The request id (for a dry run: an id that was never stored)' })
  @Field(() => ID)
  id: string;

  @ApiProperty({ description: 'Whether this is only a preview: nothing was stored' })
  @Field()
  dryRun: boolean;

  @ApiProperty({ example: 'team-a-db-readers', description: 'The policy it was made under' })
  @Field()
  policy: string;

  @ApiProperty({ example: 'user:alice', description: 'Who asked' })
  @Field()
  requester: string;

  @ApiProperty({ example: 'team-a', description: 'The namespace asked for' })
  @Field()
  namespace: string;

  @ApiProperty({ example: 'db-*', description: 'The secret names asked for (glob)' })
  @Field()
  namePattern: string;

  @ApiProperty({ example: 'reader', description: 'The role asked for' })
  @Field()
  role: string;

  @ApiProperty({ description: 'The duration asked for, in seconds' })
  @Field(() => Int)
  durationSeconds: number;

  @ApiProperty({
    description:
      'The duration it would last if approved now: the smallest of asked, policy maximum and reviewers’ caps',
  })
  @Field(() => Int)
  effectiveDurationSeconds: number;

  @ApiProperty({ type: String, nullable: true, description: 'Why, as the requester said' })
  @Field(() => String, { nullable: true })
  reason: string | null;

  @ApiProperty({
    type: String,
    format: 'date-time',
    nullable: true,
    description: 'When the access should start; null: at approval',
  })
  @Field(() => GraphQLISODateTime, { nullable: true })
  startAt: Date | null;

  @ApiProperty({ description: 'Whether it was a break-glass use' })
  @Field()
  breakGlass: boolean;

  @ApiProperty({ enum: ACCESS_REQUEST_STATES, description: 'pending, then one terminal state that never changes' })
  @Field(() => String, { description: ACCESS_REQUEST_STATES.join(', ') })
  state: AccessRequestState;

  @ApiProperty({ description: 'Distinct approvals needed' })
  @Field(() => Int)
  approvalsRequired: number;

  @ApiProperty({ description: 'Approvals that count now: distinct reviewers who still hold approve over the scope' })
  @Field(() => Int)
  approvals: number;

  @ApiProperty({ type: [String], description: 'Who could approve it (other than the requester): subjects and groups' })
  @Field(() => [String])
  eligibleApprovers: string[];

  @ApiProperty({ type: [AccessRequestReviewView], description: 'Reviews, oldest first (append-only)' })
  @Field(() => [AccessRequestReviewView])
  reviews: AccessRequestReviewView[];

  @ApiProperty({ type: String, format: 'date-time', description: 'When it was made' })
  @Field(() => GraphQLISODateTime)
  createdAt: Date;

  @ApiProperty({ type: String, format: 'date-time', description: 'When it expires if still pending' })
  @Field(() => GraphQLISODateTime)
  expiresAt: Date;

  @ApiProperty({ type: String, format: 'date-time', nullable: true, description: 'When it left pending' })
  @Field(() => GraphQLISODateTime, { nullable: true })
  resolvedAt: Date | null;

  @ApiProperty({
    type: String,
    nullable: true,
    description: 'Who or what ended it (a reviewer, the requester, system:access-requests)',
  })
  @Field(() => String, { nullable: true })
  resolvedBy: string | null;

  @ApiProperty({ type: String, nullable: true, description: 'Why it ended' })
  @Field(() => String, { nullable: true })
  resolutionReason: string | null;

  @ApiProperty({
    type: () => AccessRequestGrantView,
    required: false,
    description: 'The grant it produced, once approved; absent (GraphQL: null) before',
  })
  @Field(() => AccessRequestGrantView, { nullable: true })
  grant?: AccessRequestGrantView;

  @ApiProperty({
    type: () => PostReviewView,
    required: false,
    description: 'For break-glass: its review afterwards; absent (GraphQL: null) until recorded',
  })
  @Field(() => PostReviewView, { nullable: true })
  postReview?: PostReviewView;
}

@ObjectType('AccessRequestPage', { description: 'One page of access requests, newest first' })
export class AccessRequestPageView {
  @ApiProperty({ type: [AccessRequestView], description: 'The requests of this page' })
  @Field(() => [AccessRequestView])
  items: AccessRequestView[];

  @ApiProperty({
    type: String,
    nullable: true,
    description: 'Pass as `continue` (GraphQL: `after`) for the next page; null on the last',
  })
  @Field(() => String, { nullable: true })
  continue: string | null;
}

export const ACCESS_REQUEST_AUDIENCES = ['reviewer', 'requester'] as const;
export type AccessRequestAudience = (typeof ACCESS_REQUEST_AUDIENCES)[number];

@ObjectType('AccessRequestEvent', { description: 'A change to an access request that concerns the subscriber' })
export class AccessRequestEventView {
  @Field(() => ID, { description: 'The event id, also the webhook-id of its deliveries' })
  id: string;

  @Field({ description: 'access_request.created, .approved, .denied, …' })
  type: string;

  @Field(() => String, { description: 'reviewer: it needs (or needed) your review; requester: it is your own request' })
  audience: AccessRequestAudience;

  @Field(() => GraphQLISODateTime, { description: 'When it happened' })
  occurredAt: Date;

  @Field(() => AccessRequestView, { description: 'The request as it is now' })
  request: AccessRequestView;
}
