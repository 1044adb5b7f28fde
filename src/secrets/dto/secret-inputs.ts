import { applyDecorators } from '@nestjs/common';
import { ArgsType, Field, InputType, Int } from '@nestjs/graphql';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
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
import {
  NoControlCharacters,
  OptionalFlagField,
  OptionalReasonField,
  SecretNameField,
} from '../../common/dto/fields.js';
import { RawJsonObject } from '../../common/validation/broker-validation.pipe.js';
import { PageArgs, PageQuery } from '../../common/paging/page.js';
import type { ValueEncoding } from '../secret-input.js';
import { DRIFT_ACTIONS, ROTATION_STRATEGIES, type DriftAction, type RotationStrategy } from '../rotation-policy.js';
import { NAMESPACE_MESSAGE, NAMESPACE_PATTERN } from '../../common/vocabulary/names.js';

const ENCODINGS: readonly ValueEncoding[] = ['utf8', 'base64'];
const RESTART_WORKLOADS = 'Restart the workloads that use the secret once the new version is live';
const SECRET_TYPE = /^[-._a-zA-Z0-9/]{1,128}$/;
const GENERATORS_DOC =
  'Key → generator: {type: password, length?, alphabet?} | {type: bytes, length?, encoding?: hex|base64} | {type: uuid} | {type: rsa, bits?} | {type: ec, curve?}';
const stringMap = { type: 'object', additionalProperties: { type: 'string' } } as const;
const VALUES_DOC = 'Key → value (UTF-8, or base64 with dataEncoding)';
const generatorMap = {
  type: 'object',
  additionalProperties: {
    type: 'object',
    required: ['type'],
    properties: { type: { type: 'string' } },
    additionalProperties: true,
  },
  description: GENERATORS_DOC,
} as const;

/**
 * A free-form JSON object of key → value or key → generator, kept exactly as sent (see
 * RawJsonObject), documented for both transports.
 */
function JsonMapField(schema: Record<string, unknown>, options: { optional: boolean }): PropertyDecorator {
  const description = typeof schema.description === 'string' ? schema.description : undefined;
  return applyDecorators(
    options.optional ? ApiPropertyOptional(schema) : ApiProperty(schema),
    Field(() => GraphQLJSONObject, { nullable: options.optional, description }),
    ...(options.optional ? [IsOptional()] : []),
    IsObject(),
    RawJsonObject(),
  );
}

/** How the `data` values are written: UTF-8 text (default) or base64 for binary values. */
function DataEncodingField(): PropertyDecorator {
  const description = 'How the data values are encoded: utf8 (default) or base64';
  return applyDecorators(
    ApiPropertyOptional({ enum: ENCODINGS, default: 'utf8', description }),
    Field(() => String, { nullable: true, description }),
    IsOptional(),
    IsIn(ENCODINGS),
  );
}

@InputType({ description: 'How often a secret should be rotated, and who to tell' })
export class RotationPolicyInput {
  @JsonMapField({ ...generatorMap, description: `${GENERATORS_DOC} | {type: supplied}` }, { optional: true })
  generators?: Record<string, unknown>;

  @ApiPropertyOptional({
    minimum: 1,
    description:
      'Rotate on this interval, in seconds (at least ROTATION_MIN_INTERVAL_SECONDS); exclusive with schedule',
  })
  @Field(() => Int, { nullable: true })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(31_536_000)
  intervalSeconds?: number;

  @ApiPropertyOptional({
    example: '0 3 * * *',
    maxLength: 128,
    description:
      'Rotate on this cron expression (UTC; five fields, or six with seconds); exclusive with intervalSeconds',
  })
  @Field(() => String, { nullable: true })
  @IsOptional()
  @IsString()
  @MaxLength(128)
  @NoControlCharacters()
  schedule?: string;

  @ApiPropertyOptional({
    enum: ROTATION_STRATEGIES,
    default: 'replace',
    description: 'two-phase: the previous values stay in the Secret as <key>.previous for graceSeconds',
  })
  @Field(() => String, { nullable: true })
  @IsOptional()
  @IsIn(ROTATION_STRATEGIES)
  strategy?: RotationStrategy;

  @ApiPropertyOptional({ minimum: 1, description: 'Two-phase: how long the previous values stay (seconds)' })
  @Field(() => Int, { nullable: true })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(31_536_000)
  graceSeconds?: number;

  @ApiPropertyOptional({ minimum: 1, description: 'Restart at most this many consumer workloads at once' })
  @Field(() => Int, { nullable: true })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(1_000)
  restartBatchSize?: number;

  @ApiPropertyOptional({ minimum: 0, description: 'Seconds to wait between restart batches' })
  @Field(() => Int, { nullable: true })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(3_600)
  restartIntervalSeconds?: number;

  @ApiPropertyOptional({
    enum: DRIFT_ACTIONS,
    default: 'record',
    description:
      'When the Secret changes outside the broker: record it, restore the current version, or adopt the live values',
  })
  @Field(() => String, { nullable: true })
  @IsOptional()
  @IsIn(DRIFT_ACTIONS)
  onDrift?: DriftAction;

  @OptionalFlagField(RESTART_WORKLOADS)
  restartWorkloads?: boolean;

  // Kept in the schema so that old clients get a clear 422 rather than an unknown-field 400.
  @ApiPropertyOptional({
    type: [String],
    deprecated: true,
    description: 'Refused (422): subscribe with POST /v1/webhooks instead',
  })
  @Field(() => [String], { nullable: true, deprecationReason: 'Refused: use createWebhook' })
  @IsOptional()
  @IsArray()
  webhooks?: string[];
}

@InputType({ description: 'A secret to create from values and/or generators' })
export class CreateSecretInput {
  @SecretNameField('The name of the new Secret')
  name: string;

  @ApiPropertyOptional({ example: 'Opaque', default: 'Opaque', description: 'The Kubernetes Secret type' })
  @Field({ nullable: true })
  @IsOptional()
  @Matches(SECRET_TYPE, { message: 'type must be a Kubernetes secret type' })
  type?: string;

  @JsonMapField({ ...stringMap, description: VALUES_DOC }, { optional: true })
  data?: Record<string, unknown>;

  @DataEncodingField()
  dataEncoding?: ValueEncoding;

  @JsonMapField(generatorMap, { optional: true })
  generate?: Record<string, unknown>;

  @JsonMapField(
    { ...stringMap, description: 'Labels to put on the Secret (Kubernetes label keys and values)' },
    { optional: true },
  )
  @NoControlCharacters()
  labels?: Record<string, unknown>;

  @ApiPropertyOptional({
    type: RotationPolicyInput,
    description: 'How and how often it is rotated (default: on request only)',
  })
  @Field(() => RotationPolicyInput, { nullable: true })
  @IsOptional()
  @ValidateNested()
  @Type(() => RotationPolicyInput)
  rotationPolicy?: RotationPolicyInput;

  @OptionalReasonField()
  reason?: string;
}

/** What every change to an existing secret accepts: why, and whether to restart its consumers. */
@InputType({ isAbstract: true })
export abstract class SecretChangeInput {
  @OptionalReasonField()
  reason?: string;

  @OptionalFlagField(RESTART_WORKLOADS)
  restartWorkloads?: boolean;
}

@InputType({ description: 'Explicit values for a new version' })
export class UpdateSecretInput extends SecretChangeInput {
  @JsonMapField({ ...stringMap, description: VALUES_DOC }, { optional: false })
  data: Record<string, unknown>;

  @DataEncodingField()
  dataEncoding?: ValueEncoding;
}

@InputType({ description: 'Which keys to rotate, how, and why' })
export class RotateSecretInput extends SecretChangeInput {
  @ApiPropertyOptional({ type: [String], description: 'Keys to rotate (default: every key with a generator)' })
  @Field(() => [String], { nullable: true })
  @IsOptional()
  @IsArray()
  @IsString({ each: true })
  keys?: string[];

  @JsonMapField(generatorMap, { optional: true })
  generate?: Record<string, unknown>;

  @OptionalFlagField('Return the new values (needs read as well as rotate)')
  returnValues?: boolean;
}

@InputType({ description: 'The earlier version whose values become the new version' })
export class RollbackSecretInput extends SecretChangeInput {
  @ApiProperty({ minimum: 1, description: 'The earlier version whose values to restore' })
  @Field(() => Int)
  @IsInt()
  @Min(1)
  @Max(2_147_483_647)
  version: number;
}

@InputType({ description: 'Why the secret is revoked' })
export class RevokeSecretInput {
  @ApiProperty({
    minLength: 1,
    maxLength: 1024,
    description: 'Why the secret is revoked (required, recorded in the audit trail)',
  })
  @Field()
  @IsString()
  @MinLength(1, { message: 'reason is required to revoke' })
  @MaxLength(1024)
  @NoControlCharacters()
  reason: string;
}

@InputType({ description: 'Which keys to obtain, and why' })
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

/** REST `GET …/secrets`: the label selector and the page. */
export class ListSecretsQuery extends PageQuery {
  @ApiPropertyOptional({
    example: 'tier=db',
    maxLength: 1024,
    description: 'A Kubernetes label selector: only matching secrets',
  })
  @IsOptional()
  @IsString()
  @MaxLength(1024)
  labelSelector?: string;
}

/** GraphQL `secrets(namespace, labelSelector, first, after)`. */
@ArgsType()
export class SecretsArgs extends PageArgs {
  @Field({ description: 'A Kubernetes namespace name' })
  @Matches(NAMESPACE_PATTERN, { message: NAMESPACE_MESSAGE })
  namespace: string;

  @Field({ nullable: true, description: 'A Kubernetes label selector, e.g. tier=db' })
  @IsOptional()
  @IsString()
  @MaxLength(1024)
  labelSelector?: string;
}
