import { Field, GraphQLISODateTime, Int, ObjectType } from '@nestjs/graphql';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { GraphQLJSONObject } from 'graphql-scalars';

@ObjectType('Secret', { description: 'A Kubernetes Secret as the broker sees it: metadata, never values' })
export class SecretView {
  @ApiProperty({ example: 'team-a' })
  @Field()
  namespace: string;

  @ApiProperty({ example: 'db-main' })
  @Field()
  name: string;

  @ApiProperty({ example: 'Opaque' })
  @Field()
  type: string;

  @ApiProperty({ type: [String], example: ['password'] })
  @Field(() => [String])
  keys: string[];

  @ApiProperty({ type: 'object', additionalProperties: { type: 'string' } })
  @Field(() => GraphQLJSONObject)
  labels: Record<string, string>;

  @ApiProperty({
    enum: ['active', 'revoked', 'unmanaged'],
    description: 'unmanaged: in the cluster, not yet written by the broker',
  })
  @Field(() => String)
  state: 'active' | 'revoked' | 'unmanaged';

  @ApiPropertyOptional({ type: Number, nullable: true })
  @Field(() => Int, { nullable: true })
  currentVersion: number | null;

  @ApiPropertyOptional({ type: String, nullable: true, description: 'The cluster object version, for diagnostics' })
  @Field(() => String, { nullable: true })
  resourceVersion: string | null;

  @ApiPropertyOptional({ type: String, format: 'date-time', nullable: true })
  @Field(() => GraphQLISODateTime, { nullable: true })
  createdAt: Date | null;

  @ApiPropertyOptional({
    type: String,
    format: 'date-time',
    nullable: true,
    description:
      'When the next scheduled rotation is due (it runs up to ROTATION_JITTER_SECONDS later); null without a schedule',
  })
  @Field(() => GraphQLISODateTime, {
    nullable: true,
    description: 'When the next scheduled rotation is due (it runs up to ROTATION_JITTER_SECONDS later)',
  })
  nextRotationAt: Date | null;

  @ApiPropertyOptional({
    type: String,
    format: 'date-time',
    nullable: true,
    description: 'Two-phase rotation: until then the previous values stay in the Secret as <key>.previous',
  })
  @Field(() => GraphQLISODateTime, {
    nullable: true,
    description: 'Two-phase rotation: until then the previous values stay in the Secret as <key>.previous',
  })
  graceEndsAt: Date | null;

  @ApiProperty({ description: 'The cluster object was changed or deleted outside the broker' })
  @Field({ description: 'The cluster object was changed or deleted outside the broker' })
  drifted: boolean;

  @ApiPropertyOptional({ type: String, format: 'date-time', nullable: true })
  @Field(() => GraphQLISODateTime, { nullable: true })
  driftedAt: Date | null;

  @ApiProperty({ type: [String], description: 'Keys whose live value differs from the current version (names only)' })
  @Field(() => [String], { description: 'Keys whose live value differs from the current version (names only)' })
  driftedKeys: string[];
}

@ObjectType('SecretPage')
export class SecretPageView {
  @ApiProperty({ type: [SecretView] })
  @Field(() => [SecretView])
  items: SecretView[];

  @ApiPropertyOptional({ type: String, nullable: true, description: 'Pass as `continue` for the next page' })
  @Field(() => String, { nullable: true })
  continue: string | null;
}
