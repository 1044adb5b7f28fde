import { Field, GraphQLISODateTime, Int, ObjectType } from '@nestjs/graphql';
import { ApiProperty } from '@nestjs/swagger';

@ObjectType('Role', { description: 'A named set of verbs' })
export class RoleView {
  @ApiProperty({ example: 'reader', description: 'The role name' })
  @Field()
  name: string;

  @ApiProperty({ type: [String], example: ['read', 'list'], description: 'The verbs it grants' })
  @Field(() => [String])
  verbs: string[];

  @ApiProperty({ description: 'Built-in roles cannot be deleted' })
  @Field()
  builtIn: boolean;

  @ApiProperty({ type: String, nullable: true, description: 'What the role is for' })
  @Field(() => String, { nullable: true })
  description: string | null;

  @ApiProperty({
    type: Number,
    nullable: true,
    description: 'The longest lease any grant of this role allows, in seconds',
  })
  @Field(() => Int, { nullable: true })
  maxLeaseTtlSeconds: number | null;

  @ApiProperty({ type: String, format: 'date-time', description: 'When it was created' })
  @Field(() => GraphQLISODateTime)
  createdAt: Date;
}
