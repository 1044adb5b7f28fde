import { Field, GraphQLISODateTime, InputType } from '@nestjs/graphql';
import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsDate, IsIn, IsOptional, IsString, Matches, MaxLength } from 'class-validator';
import { NAMESPACE_PATTERN, SECRET_NAME_PATTERN } from '../../common/vocabulary/names.js';
import { NoControlCharacters } from '../../common/dto/fields.js';
import { AUDIT_ACTIONS, AUDIT_OUTCOMES, type AuditAction, type AuditOutcome } from '../../audit/audit-event.js';

/** Time range of audit events; both ends inclusive. */
@InputType('AuditTimeRange', { isAbstract: true })
export class AuditTimeRange {
  @ApiPropertyOptional({ type: String, format: 'date-time', description: 'Events at or after this time' })
  @Field(() => GraphQLISODateTime, { nullable: true })
  @IsOptional()
  @Type(() => Date)
  @IsDate({ message: 'since must be an ISO 8601 date-time' })
  since?: Date;

  @ApiPropertyOptional({ type: String, format: 'date-time', description: 'Events at or before this time' })
  @Field(() => GraphQLISODateTime, { nullable: true })
  @IsOptional()
  @Type(() => Date)
  @IsDate({ message: 'until must be an ISO 8601 date-time' })
  until?: Date;
}

/** Filters of the audit event list; every given filter must match. */
@InputType('AuditEventFilter', { description: 'Audit event filters; each one given must match' })
export class AuditEventFilter extends AuditTimeRange {
  @ApiPropertyOptional({ example: 'user:alice', description: 'Only events of this subject' })
  @Field({ nullable: true })
  @IsOptional()
  @IsString()
  @MaxLength(320)
  @NoControlCharacters()
  subject?: string;

  @ApiPropertyOptional({ enum: AUDIT_ACTIONS, example: 'read', description: 'The action (verb) of the event' })
  @Field(() => String, { nullable: true })
  @IsOptional()
  @IsIn(AUDIT_ACTIONS, { message: `verb must be one of: ${AUDIT_ACTIONS.join(', ')}` })
  verb?: AuditAction;

  @ApiPropertyOptional({ example: 'team-a', description: 'Only events of this namespace' })
  @Field({ nullable: true })
  @IsOptional()
  @Matches(NAMESPACE_PATTERN, { message: 'namespace must be a Kubernetes namespace name' })
  namespace?: string;

  @ApiPropertyOptional({ example: 'db-main', description: 'Only events about this name' })
  @Field({ nullable: true })
  @IsOptional()
  @MaxLength(253)
  @Matches(SECRET_NAME_PATTERN, { message: 'name must be a Kubernetes object name' })
  name?: string;

  @ApiPropertyOptional({ enum: AUDIT_OUTCOMES, description: 'Only events with this outcome' })
  @Field(() => String, { nullable: true })
  @IsOptional()
  @IsIn(AUDIT_OUTCOMES, { message: `outcome must be one of: ${AUDIT_OUTCOMES.join(', ')}` })
  outcome?: AuditOutcome;
}
