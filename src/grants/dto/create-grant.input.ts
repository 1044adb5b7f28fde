import { Field, GraphQLISODateTime, InputType, Int } from '@nestjs/graphql';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsDate, IsInt, IsOptional, Matches, Min } from 'class-validator';
import { OptionalReasonField } from '../../common/dto/fields.js';
import { NAME_PATTERN, NAMESPACE_SCOPE } from '../../common/vocabulary/scope.js';
import {
  ROLE_NAME_MESSAGE,
  ROLE_NAME_PATTERN,
  SUBJECT_MESSAGE,
  SUBJECT_PATTERN,
} from '../../common/vocabulary/names.js';

@InputType({ description: 'A grant to create: a subject, a role, a namespace and a name pattern' })
export class CreateGrantInput {
  @ApiProperty({
    example: 'user:alice',
    description: 'Who the grant is for: user:<sub>, group:<name> or serviceaccount:<namespace>/<name>',
  })
  @Field()
  @Matches(SUBJECT_PATTERN, { message: SUBJECT_MESSAGE })
  subject: string;

  @ApiProperty({ example: 'reader', description: 'The role whose verbs it grants' })
  @Field()
  @Matches(ROLE_NAME_PATTERN, { message: ROLE_NAME_MESSAGE })
  role: string;

  @ApiProperty({ example: 'team-a', description: 'A namespace, or * for all' })
  @Field()
  @Matches(NAMESPACE_SCOPE, { message: 'namespace must be a DNS label or *' })
  namespace: string;

  @ApiPropertyOptional({ example: 'db-*', default: '*', description: 'Glob over secret names: * and ?' })
  @Field({ nullable: true })
  @IsOptional()
  @Matches(NAME_PATTERN, { message: 'namePattern may hold only a-z, 0-9, ., -, * and ?' })
  namePattern?: string;

  @ApiPropertyOptional({ type: String, format: 'date-time', description: 'When it stops applying (default: never)' })
  @Field(() => GraphQLISODateTime, { nullable: true })
  @IsOptional()
  @Type(() => Date)
  @IsDate({ message: 'expiresAt must be an ISO 8601 date-time' })
  expiresAt?: Date;

  @ApiPropertyOptional({ minimum: 1, description: 'Caps the lifetime (ttlSeconds) of leases this grant allows' })
  @Field(() => Int, { nullable: true })
  @IsOptional()
  @IsInt({ message: 'maxLeaseTtlSeconds must be an integer' })
  @Min(1)
  maxLeaseTtlSeconds?: number;

  @OptionalReasonField('Why the grant exists, shown with it')
  reason?: string;
}
