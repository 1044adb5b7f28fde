import { Field, ObjectType } from '@nestjs/graphql';
import { ApiProperty } from '@nestjs/swagger';
import { GrantView } from './grant.model.js';

@ObjectType('AccessReview', { description: 'Whether a subject may perform a verb on a secret, and why' })
export class AccessReviewView {
  @ApiProperty()
  @Field()
  allowed: boolean;

  @ApiProperty()
  @Field()
  reason: string;

  @ApiProperty({ type: [GrantView] })
  @Field(() => [GrantView])
  matchedGrants: GrantView[];
}
