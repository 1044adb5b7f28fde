import { ArgsType, Field, InputType, Int } from '@nestjs/graphql';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  ArrayUnique,
  IsBoolean,
  IsInt,
  IsOptional,
  Matches,
  Max,
  Min,
  ValidateNested,
} from 'class-validator';
import { NAME_PATTERN, NAMESPACE_SCOPE } from '../../../common/vocabulary/scope.js';
import {
  ROLE_NAME_MESSAGE,
  ROLE_NAME_PATTERN,
  SUBJECT_MESSAGE,
  SUBJECT_PATTERN,
} from '../../../common/vocabulary/names.js';

const MAX_ROLES = 20;
const MAX_SUBJECTS = 200;
/** Thirty days: temporary access is temporary. */
export const MAX_ACCESS_SECONDS = 30 * 86_400;
export const DEFAULT_PENDING_TTL_SECONDS = 86_400;
const MAX_APPROVALS = 20;
const POLICY_NAME_MESSAGE = 'name must be a lowercase DNS label (a-z, 0-9, -; at most 63 characters)';

@InputType({ description: 'Who may take a policy’s access at once, and for how long at most' })
export class BreakGlassInput {
  @ApiProperty({
    type: [String],
    example: ['user:oncall-lead', 'group:sre-oncall'],
    description: 'Who may break glass',
  })
  @Field(() => [String], { description: 'Who may break glass' })
  @ArrayMinSize(1)
  @ArrayMaxSize(MAX_SUBJECTS)
  @ArrayUnique()
  @Matches(SUBJECT_PATTERN, { each: true, message: SUBJECT_MESSAGE })
  subjects: string[];

  @ApiProperty({
    minimum: 60,
    maximum: MAX_ACCESS_SECONDS,
    example: 3600,
    description: 'The longest break-glass access, in seconds',
  })
  @Field(() => Int, { description: 'The longest break-glass access, in seconds' })
  @IsInt({ message: 'breakGlass.maxDurationSeconds must be an integer' })
  @Min(60)
  @Max(MAX_ACCESS_SECONDS)
  maxDurationSeconds: number;
}

/** A policy's settings (everything but its name), as created or replaced. */
@InputType({ description: 'Who may ask for which roles on a scope, for how long, with how many approvals' })
export class AccessPolicyInput {
  @ApiProperty({ example: 'team-a', description: 'A namespace, or * for all' })
  @Field({ description: 'A namespace, or * for all' })
  @Matches(NAMESPACE_SCOPE, { message: 'namespace must be a DNS label or *' })
  namespace: string;

  @ApiPropertyOptional({ example: 'db-*', default: '*', description: 'Glob over secret names: * and ?' })
  @Field({ nullable: true, description: 'Glob over secret names: * and ? (default *)' })
  @IsOptional()
  @Matches(NAME_PATTERN, { message: 'namePattern may hold only a-z, 0-9, ., -, * and ?' })
  namePattern?: string;

  @ApiProperty({ type: [String], example: ['reader'], description: 'The roles that may be requested' })
  @Field(() => [String], { description: 'The roles that may be requested' })
  @ArrayMinSize(1)
  @ArrayMaxSize(MAX_ROLES)
  @ArrayUnique()
  @Matches(ROLE_NAME_PATTERN, { each: true, message: ROLE_NAME_MESSAGE })
  roles: string[];

  @ApiProperty({
    type: [String],
    example: ['user:alice', 'group:team-a'],
    description: 'Who may ask (subjects, groups included)',
  })
  @Field(() => [String], { description: 'Who may ask (subjects, groups included)' })
  @ArrayMinSize(1)
  @ArrayMaxSize(MAX_SUBJECTS)
  @ArrayUnique()
  @Matches(SUBJECT_PATTERN, { each: true, message: SUBJECT_MESSAGE })
  requesters: string[];

  @ApiProperty({ minimum: 1, maximum: MAX_APPROVALS, example: 2, description: 'Distinct approvals needed' })
  @Field(() => Int, { description: 'Distinct approvals needed' })
  @IsInt({ message: 'approvalsRequired must be an integer' })
  @Min(1)
  @Max(MAX_APPROVALS)
  approvalsRequired: number;

  @ApiProperty({
    minimum: 60,
    maximum: MAX_ACCESS_SECONDS,
    example: 3600,
    description: 'The longest access, in seconds',
  })
  @Field(() => Int, { description: 'The longest access, in seconds' })
  @IsInt({ message: 'maxDurationSeconds must be an integer' })
  @Min(60)
  @Max(MAX_ACCESS_SECONDS)
  maxDurationSeconds: number;

  @ApiPropertyOptional({
    minimum: 1,
    maximum: MAX_ACCESS_SECONDS,
    default: DEFAULT_PENDING_TTL_SECONDS,
    description: 'How long a request may wait for its approvals, in seconds',
  })
  @Field(() => Int, { nullable: true, description: 'How long a request may wait, in seconds (default 86400)' })
  @IsOptional()
  @IsInt({ message: 'pendingTtlSeconds must be an integer' })
  @Min(1)
  @Max(MAX_ACCESS_SECONDS)
  pendingTtlSeconds?: number;

  @ApiPropertyOptional({ default: false, description: 'Whether a request must give a reason' })
  @Field(() => Boolean, { nullable: true, description: 'Whether a request must give a reason (default false)' })
  @IsOptional()
  @IsBoolean()
  requireReason?: boolean;

  @ApiPropertyOptional({ type: () => BreakGlassInput, description: 'Who may take the access at once; none: nobody' })
  @Field(() => BreakGlassInput, { nullable: true, description: 'Who may take the access at once; none: nobody' })
  @IsOptional()
  @ValidateNested()
  @Type(() => BreakGlassInput)
  breakGlass?: BreakGlassInput;
}

@InputType({ description: 'A new access policy' })
export class CreateAccessPolicyInput extends AccessPolicyInput {
  @ApiProperty({ example: 'team-a-db-readers', description: 'The policy name (a DNS label)' })
  @Field({ description: 'The policy name (a DNS label)' })
  @Matches(ROLE_NAME_PATTERN, { message: POLICY_NAME_MESSAGE })
  name: string;
}

/** `{name}` of a policy, for REST paths and GraphQL arguments alike. */
@ArgsType()
export class AccessPolicyNameParams {
  @ApiProperty({ example: 'team-a-db-readers', description: 'A policy name' })
  @Field({ description: 'A policy name' })
  @Matches(ROLE_NAME_PATTERN, { message: POLICY_NAME_MESSAGE })
  name: string;
}

/** GraphQL `createAccessPolicy(input)`. */
@ArgsType()
export class CreateAccessPolicyArgs {
  @Field(() => CreateAccessPolicyInput, { description: 'The policy' })
  @ValidateNested()
  @Type(() => CreateAccessPolicyInput)
  input: CreateAccessPolicyInput;
}

/** GraphQL `updateAccessPolicy(name, input)`. */
@ArgsType()
export class UpdateAccessPolicyArgs extends AccessPolicyNameParams {
  @Field(() => AccessPolicyInput, { description: 'Every setting of the policy' })
  @ValidateNested()
  @Type(() => AccessPolicyInput)
  input: AccessPolicyInput;
}
