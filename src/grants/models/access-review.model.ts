import { Field, Int, ObjectType } from '@nestjs/graphql';
import { ApiProperty } from '@nestjs/swagger';
import { GrantView } from './grant.model.js';

@ObjectType('AccessReview', { description: 'Whether a subject may perform a verb on a secret, and why' })
export class AccessReviewView {
  @ApiProperty({ description: 'Whether the subject may perform the verb' })
  @Field()
  allowed: boolean;

  @ApiProperty({ description: 'Why (which grant allows it, or that none does)' })
  @Field()
  reason: string;

  @ApiProperty({ type: [GrantView], description: "The matching grants inside the caller's own grants:manage scope" })
  @Field(() => [GrantView], { description: "The matching grants inside the caller's own grants:manage scope" })
  matchedGrants: GrantView[];

  @ApiProperty({ description: "Matching grants outside the caller's grants:manage scope: counted, not shown" })
  @Field(() => Int, { description: "Matching grants outside the caller's grants:manage scope: counted, not shown" })
  hiddenMatchedGrants: number;
}
