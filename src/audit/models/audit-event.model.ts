import { Field, Float, GraphQLISODateTime, ID, Int, ObjectType } from '@nestjs/graphql';
import { ApiProperty } from '@nestjs/swagger';
import { GraphQLJSONObject } from 'graphql-scalars';
import type { AuditDetailValue } from '../audit-event.js';

@ObjectType('AuditEvent', { description: 'One decision or outcome in the tamper-evident audit chain' })
export class AuditEventView {
  @ApiProperty({ example: '42', description: 'Position in the chain (a 64-bit integer as a string)' })
  @Field(() => ID)
  id: string;

  @ApiProperty({ type: String, format: 'date-time' })
  @Field(() => GraphQLISODateTime)
  time: Date;

  @ApiProperty()
  @Field()
  requestId: string;

  @ApiProperty({ example: 'user:alice' })
  @Field()
  subject: string;

  @ApiProperty({ example: 'read', description: 'The verb, or authenticate, suspicious_activity, reconcile' })
  @Field()
  action: string;

  @ApiProperty({ enum: ['allowed', 'denied', 'succeeded', 'failed'] })
  @Field()
  outcome: string;

  @ApiProperty({ type: String, nullable: true, example: 'team-a' })
  @Field(() => String, { nullable: true })
  namespace: string | null;

  @ApiProperty({ type: String, nullable: true, example: 'db-main' })
  @Field(() => String, { nullable: true })
  name: string | null;

  @ApiProperty({ type: Number, nullable: true })
  @Field(() => Int, { nullable: true })
  version: number | null;

  @ApiProperty({ type: [String], description: 'Ids of the grants that allowed the request' })
  @Field(() => [String])
  matchedGrants: string[];

  @ApiProperty({ type: String, nullable: true })
  @Field(() => String, { nullable: true })
  reason: string | null;

  @ApiProperty({ type: String, nullable: true })
  @Field(() => String, { nullable: true })
  sourceIp: string | null;

  @ApiProperty({ type: String, nullable: true })
  @Field(() => String, { nullable: true })
  userAgent: string | null;

  @ApiProperty({ type: Number, nullable: true })
  @Field(() => Float, { nullable: true })
  latencyMs: number | null;

  @ApiProperty({ type: String, nullable: true, description: 'For an outcome: the id of its intent event' })
  @Field(() => ID, { nullable: true })
  intentId: string | null;

  @ApiProperty({ type: 'object', nullable: true, additionalProperties: true })
  @Field(() => GraphQLJSONObject, { nullable: true })
  details: Record<string, AuditDetailValue> | null;

  @ApiProperty({ description: 'The hash (hex) of the previous event; 64 zeros for the first' })
  @Field()
  prevHash: string;

  @ApiProperty({
    description: 'HMAC-SHA-256 (hex) of prevHash and this event’s canonical form, under a key derived from the KEK',
  })
  @Field()
  hash: string;
}

@ObjectType('AuditEventPage', { description: 'A page of audit events, newest first' })
export class AuditEventPage {
  @ApiProperty({ type: [AuditEventView] })
  @Field(() => [AuditEventView])
  items: AuditEventView[];

  @ApiProperty({
    type: String,
    nullable: true,
    description: 'Pass as `continue` (GraphQL: `after`) for the next, older page',
  })
  @Field(() => String, { nullable: true, description: 'Pass as `after` for the next, older page' })
  continue: string | null;
}
