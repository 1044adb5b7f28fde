import { Field, Float, GraphQLISODateTime, ID, Int, ObjectType } from '@nestjs/graphql';
import { ApiProperty } from '@nestjs/swagger';
import { GraphQLJSONObject } from 'graphql-scalars';
import type { AuditDetailValue } from '../audit-event.js';

@ObjectType('AuditEvent', { description: 'One decision or outcome in the tamper-evident audit chain' })
export class AuditEventView {
  @ApiProperty({ example: '42', description: 'Position in the chain (a 64-bit integer as a string)' })
  @Field(() => ID)
  id: string;

  @ApiProperty({ type: String, format: 'date-time', description: 'When it was recorded' })
  @Field(() => GraphQLISODateTime)
  time: Date;

  @ApiProperty({ description: 'The request that caused it (X-Request-Id)' })
  @Field()
  requestId: string;

  @ApiProperty({ example: 'user:alice', description: 'Who acted: the authenticated subject, or anonymous' })
  @Field()
  subject: string;

  @ApiProperty({ example: 'read', description: 'The verb, or authenticate, suspicious_activity, reconcile' })
  @Field()
  action: string;

  @ApiProperty({
    enum: ['allowed', 'denied', 'succeeded', 'failed'],
    description: 'allowed / denied: a decision; succeeded / failed: the outcome of an allowed change',
  })
  @Field()
  outcome: string;

  @ApiProperty({ type: String, nullable: true, example: 'team-a', description: 'The namespace concerned, if any' })
  @Field(() => String, { nullable: true })
  namespace: string | null;

  @ApiProperty({
    type: String,
    nullable: true,
    example: 'db-main',
    description: 'The secret (or grant, role) concerned, if any',
  })
  @Field(() => String, { nullable: true })
  name: string | null;

  @ApiProperty({ type: Number, nullable: true, description: 'The secret version concerned, if any' })
  @Field(() => Int, { nullable: true })
  version: number | null;

  @ApiProperty({ type: [String], description: 'Ids of the grants that allowed the request' })
  @Field(() => [String])
  matchedGrants: string[];

  @ApiProperty({ type: String, nullable: true, description: "The caller's stated reason, or why it was denied" })
  @Field(() => String, { nullable: true })
  reason: string | null;

  @ApiProperty({ type: String, nullable: true, description: 'The address of the caller' })
  @Field(() => String, { nullable: true })
  sourceIp: string | null;

  @ApiProperty({ type: String, nullable: true, description: 'The User-Agent of the caller' })
  @Field(() => String, { nullable: true })
  userAgent: string | null;

  @ApiProperty({
    type: Number,
    nullable: true,
    description: 'How long the request had taken when recorded, in milliseconds',
  })
  @Field(() => Float, { nullable: true })
  latencyMs: number | null;

  @ApiProperty({ type: String, nullable: true, description: 'For an outcome: the id of its intent event' })
  @Field(() => ID, { nullable: true })
  intentId: string | null;

  @ApiProperty({
    type: 'object',
    nullable: true,
    additionalProperties: true,
    description: 'Further particulars of the action (never a secret value)',
  })
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
  @ApiProperty({ type: [AuditEventView], description: 'The events of this page, newest first' })
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
