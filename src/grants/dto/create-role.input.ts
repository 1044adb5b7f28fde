import { Field, InputType } from '@nestjs/graphql';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ArrayMinSize, ArrayUnique, IsIn, IsOptional, IsString, Matches, MaxLength } from 'class-validator';
import { NoControlCharacters } from '../../common/dto/fields.js';
import { VERBS, type Verb } from '../../common/vocabulary/verbs.js';
import { ROLE_NAME_MESSAGE, ROLE_NAME_PATTERN } from '../../common/vocabulary/names.js';

@InputType({ description: 'A custom role to create: a name and its verbs' })
export class CreateRoleInput {
  @ApiProperty({ example: 'db-operator' })
  @Field()
  @Matches(ROLE_NAME_PATTERN, { message: ROLE_NAME_MESSAGE })
  name: string;

  @ApiProperty({ type: [String], enum: VERBS, example: ['read', 'rotate'] })
  @Field(() => [String])
  @ArrayMinSize(1)
  @ArrayUnique()
  @IsIn(VERBS, { each: true, message: `each verb must be one of: ${VERBS.join(', ')}` })
  verbs: Verb[];

  @ApiPropertyOptional({ maxLength: 1024 })
  @Field({ nullable: true })
  @IsOptional()
  @IsString()
  @MaxLength(1024)
  @NoControlCharacters()
  description?: string;
}
