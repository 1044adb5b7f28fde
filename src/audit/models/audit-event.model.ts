import { Field, Float, GraphQLISODateTime, ID, Int, ObjectType } from '@nestjs/graphql';
import { ApiProperty } from '@nestjs/swagger';
import { GraphQLJSONObject } from 'graphql-scalars';
import type { ChainedEvent } from '../audit-chain.js';
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

@ObjectType('AuditEventPage')
export class AuditEventPage {
  @ApiProperty({ type: [AuditEventView] })
  @Field(() => [AuditEventView])
  items: AuditEventView[];

  @ApiProperty({ type: String, nullable: true, description: 'Pass as `after` for the next (older) page' })
  @Field(() => String, { nullable: true })
  nextCursor: string | null;
}

export function toAuditEventView(event: ChainedEvent): AuditEventView {
  return Object.assign(new AuditEventView(), {
    id: String(event.id),
    time: event.time,
    requestId: event.requestId,
    subject: event.subject,
    action: event.action,
    outcome: event.outcome,
    namespace: event.namespace,
    name: event.name,
    version: event.version,
    matchedGrants: parseStored<string[]>(event.matchedGrants, []),
    reason: event.reason,
    sourceIp: event.sourceIp,
    userAgent: event.userAgent,
    latencyMs: event.latencyMs,
    intentId: event.intentId === null ? null : String(event.intentId),
    details: event.details === null ? null : parseStored<Record<string, AuditDetailValue> | null>(event.details, null),
    prevHash: event.prevHash,
    hash: event.hash,
  });
}

// A row altered by hand may hold invalid JSON: listing still works, and verify reports the row.
function parseStored<T>(text: string, fallback: T): T {
  try {
    return JSON.parse(text) as T;
  } catch {
    return fallback;
  }
}
