import { Field, GraphQLISODateTime, ID, Int, ObjectType } from '@nestjs/graphql';
import { ApiProperty } from '@nestjs/swagger';

@ObjectType('Grant', { description: 'A subject bound to a role on a namespace and secret-name pattern' })
export class GrantView {
  @ApiProperty({ format: 'uuid' })
  @Field(() => ID)
  id: string;

  @ApiProperty({ example: 'user:alice' })
  @Field()
  subject: string;

  @ApiProperty({ example: 'reader' })
  @Field()
  role: string;

  @ApiProperty({ type: [String], example: ['read', 'list'] })
  @Field(() => [String])
  verbs: string[];

  @ApiProperty({ example: 'team-a' })
  @Field()
  namespace: string;

  @ApiProperty({ example: 'db-*' })
  @Field()
  namePattern: string;

  @ApiProperty({ type: String, format: 'date-time', nullable: true })
  @Field(() => GraphQLISODateTime, { nullable: true })
  expiresAt: Date | null;

  @ApiProperty({ type: String, nullable: true })
  @Field(() => String, { nullable: true })
  reason: string | null;

  @ApiProperty({
    type: Number,
    nullable: true,
    description: "The longest lease this grant allows, in seconds: the lower of its own cap and its role's",
  })
  @Field(() => Int, { nullable: true })
  maxLeaseTtlSeconds: number | null;

  @ApiProperty()
  @Field()
  createdBy: string;

  @ApiProperty({ type: String, format: 'date-time' })
  @Field(() => GraphQLISODateTime)
  createdAt: Date;
}
