import { Field, GraphQLISODateTime, ID, ObjectType } from '@nestjs/graphql';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { LEASE_VIEW_STATES, type LeaseViewState } from '../dto/lease-inputs.js';

@ObjectType('Lease', { description: 'A short-lived ServiceAccount token issued by the broker: never the token itself' })
export class LeaseView {
  @ApiProperty({ format: 'uuid' })
  @Field(() => ID)
  id: string;

  @ApiProperty({ example: 'user:alice', description: 'Who leased the token' })
  @Field()
  subject: string;

  @ApiProperty({ example: 'team-a' })
  @Field()
  namespace: string;

  @ApiProperty({ example: 'app-web' })
  @Field()
  serviceAccount: string;

  @ApiProperty({ type: [String] })
  @Field(() => [String])
  audiences: string[];

  @ApiProperty({ type: String, nullable: true })
  @Field(() => String, { nullable: true })
  reason: string | null;

  @ApiProperty({ enum: LEASE_VIEW_STATES })
  @Field(() => String, { description: LEASE_VIEW_STATES.join(', ') })
  state: LeaseViewState;

  @ApiProperty({ description: 'The Secret the token is bound to; deleting it ends the token' })
  @Field()
  ownerSecret: string;

  @ApiProperty({ type: String, nullable: true, description: 'SHA-256 of the token, hex' })
  @Field(() => String, { nullable: true })
  tokenFingerprint: string | null;

  @ApiProperty({ type: String, format: 'date-time' })
  @Field(() => GraphQLISODateTime)
  createdAt: Date;

  @ApiProperty({ type: String, format: 'date-time', description: 'When the lease ends' })
  @Field(() => GraphQLISODateTime)
  expiresAt: Date;

  @ApiProperty({ type: String, format: 'date-time', nullable: true })
  @Field(() => GraphQLISODateTime, { nullable: true })
  endedAt: Date | null;

  @ApiProperty({ type: String, nullable: true, description: 'Who revoked it, or system:lease-sweeper' })
  @Field(() => String, { nullable: true })
  endedBy: string | null;
}

@ObjectType('LeasedToken', { description: 'A lease and its token, returned once' })
export class LeasedTokenView {
  @ApiProperty({ type: LeaseView })
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

@ObjectType('LeasePage')
export class LeasePageView {
  @ApiProperty({ type: [LeaseView] })
  @Field(() => [LeaseView])
  items: LeaseView[];

  @ApiPropertyOptional({ type: String, nullable: true, description: 'Pass as `continue` for the next page' })
  @Field(() => String, { nullable: true })
  continue: string | null;
}
