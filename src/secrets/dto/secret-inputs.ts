import { ArgsType, Field, InputType, Int } from '@nestjs/graphql';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsIn,
  IsInt,
  IsObject,
  IsOptional,
  IsString,
  Matches,
  Max,
  MaxLength,
  Min,
  MinLength,
  ValidateNested,
} from 'class-validator';
import { GraphQLJSONObject } from 'graphql-scalars';
import { NoControlCharacters, OptionalFlagField, OptionalReasonField } from '../../common/dto/fields.js';
import { RawJsonObject } from '../../common/validation/broker-validation.pipe.js';
import { NAMESPACE_PATTERN, SECRET_NAME_PATTERN } from '../../common/vocabulary/names.js';

const ENCODINGS = ['utf8', 'base64'] as const;
const SECRET_TYPE = /^[-._a-zA-Z0-9/]{1,128}$/;
const GENERATORS_DOC =
  'Key → generator: {type: password, length?, alphabet?} | {type: bytes, length?, encoding?: hex|base64} | {type: uuid} | {type: rsa, bits?} | {type: ec, curve?}';
const stringMap = { type: 'object', additionalProperties: { type: 'string' } } as const;
const generatorMap = {
  type: 'object',
  additionalProperties: { type: 'object', properties: { type: { type: 'string' } } },
  description: GENERATORS_DOC,
} as const;

@InputType()
export class RotationPolicyInput {
  @ApiPropertyOptional({ ...generatorMap, description: `${GENERATORS_DOC} | {type: supplied}` })
  @Field(() => GraphQLJSONObject, { nullable: true })
  @IsOptional()
  @IsObject()
  @RawJsonObject()
  generators?: Record<string, unknown>;

  @ApiPropertyOptional({ minimum: 60, description: 'Rotate on this interval (stored for the scheduler)' })
  @Field(() => Int, { nullable: true })
  @IsOptional()
  @IsInt()
  @Min(60)
  intervalSeconds?: number;

  @OptionalFlagField('Restart the workloads that use the secret once the new version is live')
  restartWorkloads?: boolean;

  @ApiPropertyOptional({ type: [String] })
  @Field(() => [String], { nullable: true })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(10)
  @Matches(/^https?:\/\/\S+$/, { each: true, message: 'each webhook must be an http(s) URL' })
  webhooks?: string[];
}

@InputType()
export class CreateSecretInput {
  @ApiProperty({ example: 'db-main' })
  @Field()
  @MaxLength(253)
  @Matches(SECRET_NAME_PATTERN, { message: 'name must be a Kubernetes object name (RFC 1123 subdomain)' })
  name: string;

  @ApiPropertyOptional({ example: 'Opaque', default: 'Opaque' })
  @Field({ nullable: true })
  @IsOptional()
  @Matches(SECRET_TYPE, { message: 'type must be a Kubernetes secret type' })
  type?: string;

  @ApiPropertyOptional({ ...stringMap, description: 'Key → value (UTF-8, or base64 with dataEncoding)' })
  @Field(() => GraphQLJSONObject, { nullable: true })
  @IsOptional()
  @IsObject()
  @RawJsonObject()
  data?: Record<string, unknown>;

  @ApiPropertyOptional({ enum: ENCODINGS, default: 'utf8' })
  @Field(() => String, { nullable: true })
  @IsOptional()
  @IsIn(ENCODINGS)
  dataEncoding?: (typeof ENCODINGS)[number];

  @ApiPropertyOptional(generatorMap)
  @Field(() => GraphQLJSONObject, { nullable: true })
  @IsOptional()
  @IsObject()
  @RawJsonObject()
  generate?: Record<string, unknown>;

  @ApiPropertyOptional(stringMap)
  @Field(() => GraphQLJSONObject, { nullable: true })
  @IsOptional()
  @IsObject()
  @RawJsonObject()
  @NoControlCharacters()
  labels?: Record<string, unknown>;

  @ApiPropertyOptional({ type: RotationPolicyInput })
  @Field(() => RotationPolicyInput, { nullable: true })
  @IsOptional()
  @ValidateNested()
  @Type(() => RotationPolicyInput)
  rotationPolicy?: RotationPolicyInput;

  @OptionalReasonField()
  reason?: string;
}

@InputType()
export class UpdateSecretInput {
  @ApiProperty(stringMap)
  @Field(() => GraphQLJSONObject)
  @IsObject()
  @RawJsonObject()
  data: Record<string, unknown>;

  @ApiPropertyOptional({ enum: ENCODINGS, default: 'utf8' })
  @Field(() => String, { nullable: true })
  @IsOptional()
  @IsIn(ENCODINGS)
  dataEncoding?: (typeof ENCODINGS)[number];

  @OptionalReasonField()
  reason?: string;

  @OptionalFlagField('Restart the workloads that use the secret once the new version is live')
  restartWorkloads?: boolean;
}

@InputType()
export class RotateSecretInput {
  @ApiPropertyOptional({ type: [String], description: 'Keys to rotate (default: every key with a generator)' })
  @Field(() => [String], { nullable: true })
  @IsOptional()
  @IsArray()
  @IsString({ each: true })
  keys?: string[];

  @ApiPropertyOptional(generatorMap)
  @Field(() => GraphQLJSONObject, { nullable: true })
  @IsOptional()
  @IsObject()
  @RawJsonObject()
  generate?: Record<string, unknown>;

  @OptionalReasonField()
  reason?: string;

  @OptionalFlagField('Restart the workloads that use the secret once the new version is live')
  restartWorkloads?: boolean;

  @OptionalFlagField('Return the new values (needs read as well as rotate)')
  returnValues?: boolean;
}

@InputType()
export class RollbackSecretInput {
  @ApiProperty({ minimum: 1 })
  @Field(() => Int)
  @IsInt()
  @Min(1)
  @Max(2_147_483_647)
  version: number;

  @OptionalReasonField()
  reason?: string;

  @OptionalFlagField('Restart the workloads that use the secret once the new version is live')
  restartWorkloads?: boolean;
}

@InputType()
export class RevokeSecretInput {
  @ApiProperty({ minLength: 1, maxLength: 1024 })
  @Field()
  @IsString()
  @MinLength(1, { message: 'reason is required to revoke' })
  @MaxLength(1024)
  @NoControlCharacters()
  reason: string;
}

@InputType()
export class RequestSecretInput {
  @ApiPropertyOptional({ type: [String], description: 'Only these keys (default: all)' })
  @Field(() => [String], { nullable: true })
  @IsOptional()
  @IsArray()
  @IsString({ each: true })
  keys?: string[];

  @OptionalReasonField()
  reason?: string;
}

export const DEFAULT_PAGE_SIZE = 100;

@ArgsType()
export class ListSecretsArgs {
  @ApiPropertyOptional({ example: 'tier=db' })
  @Field({ nullable: true })
  @IsOptional()
  @IsString()
  @MaxLength(1024)
  labelSelector?: string;

  @ApiPropertyOptional({ minimum: 1, maximum: 500, default: DEFAULT_PAGE_SIZE })
  @Field(() => Int, { nullable: true })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(500)
  limit?: number;

  @ApiPropertyOptional({ description: 'The `continue` of the previous page' })
  @Field({ nullable: true })
  @IsOptional()
  @IsString()
  @MaxLength(4096)
  continue?: string;
}

/** GraphQL `secrets(namespace, …)`: the namespace travels with the other arguments. */
@ArgsType()
export class NamespacedListSecretsArgs extends ListSecretsArgs {
  @Field()
  @Matches(NAMESPACE_PATTERN, { message: 'namespace must be a Kubernetes namespace name (RFC 1123 label)' })
  namespace: string;
}
