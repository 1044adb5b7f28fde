import { Field, GraphQLISODateTime, Int, ObjectType } from '@nestjs/graphql';
import { ApiProperty } from '@nestjs/swagger';

@ObjectType('BreakGlass', { description: 'Who may take a policy’s access at once, and for how long at most' })
export class BreakGlassView {
  @ApiProperty({ type: [String], description: 'Who may break glass' })
  @Field(() => [String])
  subjects: string[];

  @ApiProperty({ description: 'The longest break-glass access, in seconds' })
  @Field(() => Int)
  maxDurationSeconds: number;
}

@ObjectType('AccessPolicy', {
  description: 'Who may ask for which roles on a scope, for how long, with how many approvals',
})
export class AccessPolicyView {
  @ApiProperty({ example: 'team-a-db-readers', description: 'The policy name' })
  @Field()
  name: string;

  @ApiProperty({ example: 'team-a', description: 'The namespace, or * for all' })
  @Field()
  namespace: string;

  @ApiProperty({ example: 'db-*', description: 'Glob over secret names (* and ?)' })
  @Field()
  namePattern: string;

  @ApiProperty({ type: [String], description: 'The roles that may be requested' })
  @Field(() => [String])
  roles: string[];

  @ApiProperty({ type: [String], description: 'Who may ask (subjects, groups included)' })
  @Field(() => [String])
  requesters: string[];

  @ApiProperty({ description: 'Distinct approvals needed' })
  @Field(() => Int)
  approvalsRequired: number;

  @ApiProperty({ description: 'The longest access, in seconds' })
  @Field(() => Int)
  maxDurationSeconds: number;

  @ApiProperty({ description: 'How long a request may wait for its approvals, in seconds' })
  @Field(() => Int)
  pendingTtlSeconds: number;

  @ApiProperty({ description: 'Whether a request must give a reason' })
  @Field()
  requireReason: boolean;

  @ApiProperty({
    type: () => BreakGlassView,
    required: false,
    description: 'Who may take the access at once; absent (GraphQL: null): nobody',
  })
  @Field(() => BreakGlassView, { nullable: true })
  breakGlass?: BreakGlassView;

  @ApiProperty({ description: 'Who created it' })
  @Field()
  createdBy: string;

  @ApiProperty({ type: String, format: 'date-time', description: 'When it was created' })
  @Field(() => GraphQLISODateTime)
  createdAt: Date;

  @ApiProperty({ type: String, format: 'date-time', description: 'When it was last changed' })
  @Field(() => GraphQLISODateTime)
  updatedAt: Date;
}
