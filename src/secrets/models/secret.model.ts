import { Field, GraphQLISODateTime, Int, ObjectType } from '@nestjs/graphql';
import { ApiProperty } from '@nestjs/swagger';
import { GraphQLJSONObject } from 'graphql-scalars';

@ObjectType('Secret', { description: 'A Kubernetes Secret as the broker sees it: metadata, never values' })
export class SecretView {
  @ApiProperty({ example: 'team-a', description: 'The namespace of the Secret' })
  @Field()
  namespace: string;

  @ApiProperty({ example: 'db-main', description: 'The name of the Secret' })
  @Field()
  name: string;

  @ApiProperty({ example: 'Opaque', description: 'The Kubernetes Secret type' })
  @Field()
  type: string;

  @ApiProperty({ type: [String], example: ['password'], description: 'The key names, sorted; never the values' })
  @Field(() => [String])
  keys: string[];

  @ApiProperty({ type: 'object', additionalProperties: { type: 'string' }, description: 'The labels of the Secret' })
  @Field(() => GraphQLJSONObject)
  labels: Record<string, string>;

  @ApiProperty({
    enum: ['active', 'revoked', 'unmanaged'],
    description: 'unmanaged: in the cluster, not yet written by the broker',
  })
  @Field(() => String)
  state: 'active' | 'revoked' | 'unmanaged';

  @ApiProperty({
    type: Number,
    nullable: true,
    description: "The broker's current version; null unless the broker manages it",
  })
  @Field(() => Int, { nullable: true })
  currentVersion: number | null;

  @ApiProperty({ type: String, nullable: true, description: 'The cluster object version, for diagnostics' })
  @Field(() => String, { nullable: true })
  resourceVersion: string | null;

  @ApiProperty({
    type: String,
    format: 'date-time',
    nullable: true,
    description: 'When the Secret was created in the cluster',
  })
  @Field(() => GraphQLISODateTime, { nullable: true })
  createdAt: Date | null;

  @ApiProperty({
    type: String,
    format: 'date-time',
    nullable: true,
    description:
      'When the next scheduled rotation is due (it runs up to ROTATION_JITTER_SECONDS later); null without a schedule',
  })
  @Field(() => GraphQLISODateTime, { nullable: true })
  nextRotationAt: Date | null;

  @ApiProperty({
    type: String,
    format: 'date-time',
    nullable: true,
    description: 'Two-phase rotation: until then the previous values stay in the Secret as <key>.previous',
  })
  @Field(() => GraphQLISODateTime, { nullable: true })
  graceEndsAt: Date | null;

  @ApiProperty({ description: 'The cluster object was changed or deleted outside the broker' })
  @Field()
  drifted: boolean;

  @ApiProperty({
    type: String,
    format: 'date-time',
    nullable: true,
    description: 'When the broker first saw the drift; null while the Secret matches its current version',
  })
  @Field(() => GraphQLISODateTime, { nullable: true })
  driftedAt: Date | null;

  @ApiProperty({ type: [String], description: 'Keys whose live value differs from the current version (names only)' })
  @Field(() => [String])
  driftedKeys: string[];

  @ApiProperty({
    type: 'object',
    additionalProperties: true,
    nullable: true,
    example: { generators: { password: { type: 'password', length: 32 } }, intervalSeconds: 2592000 },
    description:
      'The rotation policy: generators per key, schedule, strategy, restarts, drift handling; never a value. Null when none is set',
  })
  @Field(() => GraphQLJSONObject, { nullable: true })
  rotationPolicy: Record<string, unknown> | null;
}

@ObjectType('SecretPage', { description: 'A page of secrets' })
export class SecretPageView {
  @ApiProperty({ type: [SecretView], description: 'The secrets of this page' })
  @Field(() => [SecretView])
  items: SecretView[];

  @ApiProperty({ type: String, nullable: true, description: 'Pass as `continue` for the next page' })
  @Field(() => String, { nullable: true })
  continue: string | null;
}
