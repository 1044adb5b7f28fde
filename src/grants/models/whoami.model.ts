import { Field, ObjectType } from '@nestjs/graphql';
import { ApiProperty } from '@nestjs/swagger';
import { GrantView } from './grant.model.js';

@ObjectType('Whoami', { description: 'The calling subject and its effective grants' })
export class WhoamiView {
  @ApiProperty({ example: 'user:alice', description: 'The authenticated subject' })
  @Field()
  subject: string;

  @ApiProperty({
    type: [String],
    example: ['user:alice', 'group:platform'],
    description: 'The subject and the groups it acts as',
  })
  @Field(() => [String])
  subjects: string[];

  @ApiProperty({ type: [GrantView], description: 'Every grant that applies to those subjects' })
  @Field(() => [GrantView])
  grants: GrantView[];
}
