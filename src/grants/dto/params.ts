import { ArgsType, Field, ID } from '@nestjs/graphql';
import { ApiProperty } from '@nestjs/swagger';
import { IsUUID } from 'class-validator';
import { RoleNameField } from '../../common/dto/fields.js';

/** `{id}` of a grant, for REST paths and GraphQL arguments alike. */
@ArgsType()
export class GrantIdParams {
  @ApiProperty({ format: 'uuid', description: 'A grant id' })
  @Field(() => ID, { description: 'A grant id' })
  @IsUUID('all', { message: 'id must be a UUID' })
  id: string;
}

/** `{name}` of a role, for REST paths and GraphQL arguments alike. */
@ArgsType()
export class RoleNameParams {
  @RoleNameField()
  name: string;
}
