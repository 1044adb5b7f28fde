import { Field, GraphQLISODateTime, Int, ObjectType } from '@nestjs/graphql';
import { ApiProperty } from '@nestjs/swagger';

@ObjectType('Role', { description: 'A named set of verbs' })
export class RoleView {
  @ApiProperty({ example: 'reader' })
  @Field()
  name: string;

  @ApiProperty({ type: [String], example: ['read', 'list'] })
  @Field(() => [String])
  verbs: string[];

  @ApiProperty()
  @Field()
  builtIn: boolean;

  @ApiProperty({ type: String, nullable: true })
  @Field(() => String, { nullable: true })
  description: string | null;

  @ApiProperty({
    type: Number,
    nullable: true,
    description: 'The longest lease any grant of this role allows, in seconds',
  })
  @Field(() => Int, { nullable: true })
  maxLeaseTtlSeconds: number | null;

  @ApiProperty({ type: String, format: 'date-time' })
  @Field(() => GraphQLISODateTime)
  createdAt: Date;
}
