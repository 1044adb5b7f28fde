import { applyDecorators, type Type as NestType } from '@nestjs/common';
import { ArgsType, Field } from '@nestjs/graphql';
import { Type } from 'class-transformer';
import { IsOptional, ValidateNested } from 'class-validator';
import { NamespaceField, SecretNameField } from '../../common/dto/fields.js';

/** `{namespace}` of a REST route (and a GraphQL argument), validated once as a Kubernetes name. */
@ArgsType()
export class NamespaceParams {
  @NamespaceField()
  namespace: string;
}

/** `{namespace}/{name}` of one secret, for REST paths (`@Param()`) and GraphQL arguments alike. */
@ArgsType()
export class SecretParams extends NamespaceParams {
  @SecretNameField()
  name: string;
}

/**
 * GraphQL arguments of an operation: a namespace (and name) plus the operation's `input`, in one
 * arguments class, so every argument is validated together and none is unexpected.
 */
export function ArgsWithInput<P extends NamespaceParams, T, Optional extends boolean>(
  params: NestType<P>,
  input: NestType<T>,
  options: { optional: Optional },
): NestType<P & (Optional extends true ? { input?: T } : { input: T })> {
  @ArgsType()
  class ParamsWithInput extends (params as NestType<NamespaceParams>) {
    @applyDecorators(
      Field(() => input, { nullable: options.optional, description: 'What to do, and why' }),
      ...(options.optional ? [IsOptional()] : []),
      ValidateNested(),
      Type(() => input),
    )
    input?: T;
  }
  // A generic property is reflected as Object; name the real class for the validation pipe.
  Reflect.defineMetadata('design:type', input, ParamsWithInput.prototype, 'input');
  return ParamsWithInput as NestType<P & (Optional extends true ? { input?: T } : { input: T })>;
}
