import { Field, GraphQLISODateTime, ID, ObjectType } from '@nestjs/graphql';
import { ApiProperty } from '@nestjs/swagger';
import { LEASE_VIEW_STATES, type LeaseViewState } from '../dto/lease-inputs.js';

@ObjectType('Lease', { description: 'A short-lived ServiceAccount token issued by the broker: never the token itself' })
export class LeaseView {
  @ApiProperty({ format: 'uuid', description: 'The lease id' })
  @Field(() => ID)
  id: string;

  @ApiProperty({ example: 'user:alice', description: 'Who leased the token' })
  @Field()
  subject: string;

  @ApiProperty({ example: 'team-a', description: 'The namespace of the ServiceAccount' })
  @Field()
  namespace: string;

  @ApiProperty({ example: 'app-web', description: 'The ServiceAccount whose token was leased' })
  @Field()
  serviceAccount: string;

  @ApiProperty({ type: [String], description: "Who the token is for; empty: the API server's own audience" })
  @Field(() => [String])
  audiences: string[];

  @ApiProperty({ type: String, nullable: true, description: 'Why the token was needed, as the caller said' })
  @Field(() => String, { nullable: true })
  reason: string | null;

  @ApiProperty({
    enum: LEASE_VIEW_STATES,
    description: 'pending while the token is issued, active until it is revoked or expires',
  })
  @Field(() => String, { description: LEASE_VIEW_STATES.join(', ') })
  state: LeaseViewState;

  @ApiProperty({ description: 'The Secret the token is bound to; deleting it ends the token' })
  @Field()
  ownerSecret: string;

  @ApiProperty({ type: String, nullable: true, description: 'SHA-256 of the token, hex' })
  @Field(() => String, { nullable: true })
  tokenFingerprint: string | null;

  @ApiProperty({ type: String, format: 'date-time', description: 'When the lease was taken' })
  @Field(() => GraphQLISODateTime)
  createdAt: Date;

  @ApiProperty({ type: String, format: 'date-time', description: 'When the lease ends' })
  @Field(() => GraphQLISODateTime)
  expiresAt: Date;

  @ApiProperty({
    type: String,
    format: 'date-time',
    nullable: true,
    description: 'When it was revoked or expired; null while it lasts',
  })
  @Field(() => GraphQLISODateTime, { nullable: true })
  endedAt: Date | null;

  @ApiProperty({ type: String, nullable: true, description: 'Who revoked it, or system:lease-sweeper' })
  @Field(() => String, { nullable: true })
  endedBy: string | null;
}

@ObjectType('LeasedToken', { description: 'A lease and its token, returned once' })
export class LeasedTokenView {
  @ApiProperty({ type: LeaseView, description: 'The lease the token belongs to' })
  @Field(() => LeaseView)
  lease: LeaseView;

  @ApiProperty({ description: 'The ServiceAccount token; the broker keeps no copy' })
  @Field()
  token: string;

  @ApiProperty({
    type: String,
    format: 'date-time',
    description: "The token's own expiry (at least 10 minutes); the lease ends it earlier",
  })
  @Field(() => GraphQLISODateTime)
  tokenExpiresAt: Date;
}

@ObjectType('LeasePage', { description: 'One page of leases' })
export class LeasePageView {
  @ApiProperty({ type: [LeaseView], description: 'The leases of this page' })
  @Field(() => [LeaseView])
  items: LeaseView[];

  @ApiProperty({
    type: String,
    nullable: true,
    description: 'Pass as `continue` (GraphQL: `after`) for the next page; null on the last',
  })
  @Field(() => String, { nullable: true })
  continue: string | null;
}
