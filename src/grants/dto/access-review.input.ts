import { Field, InputType } from '@nestjs/graphql';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional, Matches } from 'class-validator';
import { VERBS, type Verb } from '../../common/vocabulary/verbs.js';
import {
  NAMESPACE_PATTERN,
  SECRET_NAME_PATTERN,
  SUBJECT_MESSAGE,
  SUBJECT_PATTERN,
} from '../../common/vocabulary/names.js';

@InputType({ description: 'The subject (default: the caller), verb and secret to review' })
export class AccessReviewInput {
  @ApiPropertyOptional({ example: 'user:alice', description: 'Defaults to the caller' })
  @Field({ nullable: true })
  @IsOptional()
  @Matches(SUBJECT_PATTERN, { message: SUBJECT_MESSAGE })
  subject?: string;

  @ApiProperty({ enum: VERBS, example: 'read', description: 'The verb to check' })
  @Field(() => String)
  @IsIn(VERBS, { message: `verb must be one of: ${VERBS.join(', ')}` })
  verb: Verb;

  @ApiProperty({ example: 'team-a', description: 'The namespace of the secret' })
  @Field()
  @Matches(NAMESPACE_PATTERN, { message: 'namespace must be a Kubernetes namespace name' })
  namespace: string;

  @ApiProperty({ example: 'db-main', description: 'The name of the secret' })
  @Field()
  @Matches(SECRET_NAME_PATTERN, { message: 'name must be a Kubernetes object name' })
  name: string;
}
