import { ArgsType, Field } from '@nestjs/graphql';
import { IsOptional, IsString, Matches, MaxLength } from 'class-validator';
import { NamespaceField } from '../../common/dto/fields.js';
import { SECRET_NAME_MAX_LENGTH, SECRET_NAME_MESSAGE, SECRET_NAME_PATTERN } from '../../common/vocabulary/names.js';

@ArgsType()
export class SecretEventsArgs {
  @NamespaceField('The namespace whose secrets to follow')
  namespace: string;

  @Field(() => String, { nullable: true, description: 'Only this secret' })
  @IsOptional()
  @IsString()
  @MaxLength(SECRET_NAME_MAX_LENGTH, { message: SECRET_NAME_MESSAGE })
  @Matches(SECRET_NAME_PATTERN, { message: SECRET_NAME_MESSAGE })
  name?: string;
}
