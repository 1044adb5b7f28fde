import { Field, GraphQLISODateTime, Int, ObjectType } from '@nestjs/graphql';
import { ApiProperty } from '@nestjs/swagger';

@ObjectType('KeyFingerprint', { description: 'HMAC-SHA-256 of one key under a broker key; never the value' })
export class KeyFingerprintView {
  @ApiProperty({ description: 'The key name' })
  @Field()
  key: string;

  @ApiProperty({
    example: '3f2a…',
    description: 'HMAC-SHA-256 (hex) of the value under a broker key: equal values, equal fingerprints',
  })
  @Field()
  fingerprint: string;
}

@ObjectType('SecretVersion', { description: 'One version of a secret: fingerprints and provenance, never values' })
export class SecretVersionView {
  @ApiProperty({ example: 2, description: 'The version number, from 1' })
  @Field(() => Int)
  version: number;

  @ApiProperty({
    enum: ['current', 'previous', 'deprecated'],
    description:
      'current: live in the cluster; previous: the one before it (kept during a grace period); deprecated: older',
  })
  @Field()
  state: string;

  @ApiProperty({
    enum: ['create', 'adopt', 'update', 'rotate', 'rollback', 'restore'],
    description: 'What made this version (restore: the cluster was ahead of a database restored from a backup)',
  })
  @Field()
  reason: string;

  @ApiProperty({
    type: Number,
    nullable: true,
    description: 'For a rollback: the version whose values it restored',
  })
  @Field(() => Int, { nullable: true })
  sourceVersion: number | null;

  @ApiProperty({ type: String, nullable: true, description: "The caller's stated reason" })
  @Field(() => String, { nullable: true })
  note: string | null;

  @ApiProperty({ description: 'The subject that made it' })
  @Field()
  createdBy: string;

  @ApiProperty({ type: String, format: 'date-time', description: 'When it was made' })
  @Field(() => GraphQLISODateTime)
  createdAt: Date;

  @ApiProperty({ type: [KeyFingerprintView], description: 'A fingerprint per key' })
  @Field(() => [KeyFingerprintView])
  fingerprints: KeyFingerprintView[];

  @ApiProperty({ description: 'Whether the encrypted values are still kept, so a rollback to it works' })
  @Field()
  valuesRetained: boolean;
}
