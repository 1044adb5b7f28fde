import { Field, GraphQLISODateTime, ID, Int, ObjectType } from '@nestjs/graphql';
import { ApiProperty } from '@nestjs/swagger';

@ObjectType('GrantSource', { description: 'What made a grant' })
export class GrantSourceView {
  @ApiProperty({ enum: ['access-request'], description: 'access-request: an approved access request' })
  @Field({ description: 'access-request: an approved access request' })
  kind: 'access-request';

  @ApiProperty({ format: 'uuid', description: 'The access request' })
  @Field(() => ID)
  requestId: string;
}

@ObjectType('Grant', { description: 'A subject bound to a role on a namespace and secret-name pattern' })
export class GrantView {
  @ApiProperty({ format: 'uuid', description: 'The grant id' })
  @Field(() => ID)
  id: string;

  @ApiProperty({
    example: 'user:alice',
    description: 'Who the grant is for: user:<sub>, group:<name> or serviceaccount:<namespace>/<name>',
  })
  @Field()
  subject: string;

  @ApiProperty({ example: 'reader', description: 'The role whose verbs it grants' })
  @Field()
  role: string;

  @ApiProperty({ type: [String], example: ['read', 'list'], description: "The role's verbs when the grant was read" })
  @Field(() => [String])
  verbs: string[];

  @ApiProperty({ example: 'team-a', description: 'The namespace it applies to, or * for all' })
  @Field()
  namespace: string;

  @ApiProperty({ example: 'db-*', description: 'Glob over secret names it applies to (* and ?)' })
  @Field()
  namePattern: string;

  @ApiProperty({
    type: String,
    format: 'date-time',
    nullable: true,
    description: 'When it starts applying; null: from its creation',
  })
  @Field(() => GraphQLISODateTime, { nullable: true })
  notBefore: Date | null;

  @ApiProperty({
    type: String,
    format: 'date-time',
    nullable: true,
    description: 'When it stops applying; null: never',
  })
  @Field(() => GraphQLISODateTime, { nullable: true })
  expiresAt: Date | null;

  @ApiProperty({
    type: () => GrantSourceView,
    required: false,
    description: 'What made it (an approved access request); absent (GraphQL: null) when made by hand',
  })
  @Field(() => GrantSourceView, { nullable: true })
  source?: GrantSourceView;

  @ApiProperty({ type: String, nullable: true, description: 'Why it exists, as given when it was created' })
  @Field(() => String, { nullable: true })
  reason: string | null;

  @ApiProperty({
    type: Number,
    nullable: true,
    description: "The longest lease this grant allows, in seconds: the lower of its own cap and its role's",
  })
  @Field(() => Int, { nullable: true })
  maxLeaseTtlSeconds: number | null;

  @ApiProperty({ description: 'The subject that created it' })
  @Field()
  createdBy: string;

  @ApiProperty({ type: String, format: 'date-time', description: 'When it was created' })
  @Field(() => GraphQLISODateTime)
  createdAt: Date;
}
