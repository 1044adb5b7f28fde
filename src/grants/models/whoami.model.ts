import { Field, ObjectType } from '@nestjs/graphql';
import { ApiProperty } from '@nestjs/swagger';
import { GrantView } from './grant.model.js';

@ObjectType('Whoami', { description: 'The calling subject and its effective grants' })
export class WhoamiView {
  @ApiProperty({ example: 'user:alice' })
  @Field()
  subject: string;

  @ApiProperty({ type: [String], example: ['user:alice', 'group:platform'] })
  @Field(() => [String])
  subjects: string[];

  @ApiProperty({ type: [GrantView] })
  @Field(() => [GrantView])
  grants: GrantView[];
}
