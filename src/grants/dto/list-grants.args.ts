import { ArgsType, Field } from '@nestjs/graphql';
import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, Matches } from 'class-validator';
import { NAMESPACE_SCOPE } from '../../common/vocabulary/scope.js';
import {
  ROLE_NAME_MESSAGE,
  ROLE_NAME_PATTERN,
  SUBJECT_MESSAGE,
  SUBJECT_PATTERN,
} from '../../common/vocabulary/names.js';

/** Filters for listing grants; the same class serves as REST query and GraphQL args. */
@ArgsType()
export class ListGrantsArgs {
  @ApiPropertyOptional({ example: 'user:alice', description: 'Only grants for this subject' })
  @Field({ nullable: true })
  @IsOptional()
  @Matches(SUBJECT_PATTERN, { message: SUBJECT_MESSAGE })
  subject?: string;

  @ApiPropertyOptional({
    example: 'team-a',
    description: 'Only grants on this namespace (or * for the all-namespace grants)',
  })
  @Field({ nullable: true })
  @IsOptional()
  @Matches(NAMESPACE_SCOPE, { message: 'namespace must be a DNS label or *' })
  namespace?: string;

  @ApiPropertyOptional({ example: 'reader', description: 'Only grants of this role' })
  @Field({ nullable: true })
  @IsOptional()
  @Matches(ROLE_NAME_PATTERN, { message: ROLE_NAME_MESSAGE })
  role?: string;
}
