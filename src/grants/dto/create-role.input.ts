import { Field, InputType, Int } from '@nestjs/graphql';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ArrayMinSize, ArrayUnique, IsIn, IsInt, IsOptional, IsString, Matches, MaxLength, Min } from 'class-validator';
import { NoControlCharacters } from '../../common/dto/fields.js';
import { VERBS, type Verb } from '../../common/vocabulary/verbs.js';
import { ROLE_NAME_MESSAGE, ROLE_NAME_PATTERN } from '../../common/vocabulary/names.js';

@InputType({ description: 'A custom role to create: a name and its verbs' })
export class CreateRoleInput {
  @ApiProperty({ example: 'db-operator', description: 'The role name (a DNS label)' })
  @Field()
  @Matches(ROLE_NAME_PATTERN, { message: ROLE_NAME_MESSAGE })
  name: string;

  @ApiProperty({ type: [String], enum: VERBS, example: ['read', 'rotate'], description: 'The verbs it grants' })
  @Field(() => [String])
  @ArrayMinSize(1)
  @ArrayUnique()
  @IsIn(VERBS, { each: true, message: `each verb must be one of: ${VERBS.join(', ')}` })
  verbs: Verb[];

  @ApiPropertyOptional({ maxLength: 1024, description: 'What the role is for' })
  @Field({ nullable: true })
  @IsOptional()
  @IsString()
  @MaxLength(1024)
  @NoControlCharacters()
  description?: string;

  @ApiPropertyOptional({
    minimum: 1,
    description: 'Caps the lifetime (ttlSeconds) of leases any grant of this role allows',
  })
  @Field(() => Int, { nullable: true })
  @IsOptional()
  @IsInt({ message: 'maxLeaseTtlSeconds must be an integer' })
  @Min(1)
  maxLeaseTtlSeconds?: number;
}
