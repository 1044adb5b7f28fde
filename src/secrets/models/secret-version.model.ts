import { Field, GraphQLISODateTime, Int, ObjectType } from '@nestjs/graphql';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

@ObjectType('KeyFingerprint', { description: 'HMAC-SHA-256 of one key under a broker key; never the value' })
export class KeyFingerprintView {
  @ApiProperty()
  @Field()
  key: string;

  @ApiProperty({ example: '3f2a…' })
  @Field()
  fingerprint: string;
}

@ObjectType('SecretVersion', { description: 'One version of a secret: fingerprints and provenance, never values' })
export class SecretVersionView {
  @ApiProperty({ example: 2 })
  @Field(() => Int)
  version: number;

  @ApiProperty({ enum: ['current', 'previous', 'deprecated'] })
  @Field()
  state: string;

  @ApiProperty({ enum: ['create', 'adopt', 'update', 'rotate', 'rollback'] })
  @Field()
  reason: string;

  @ApiPropertyOptional({
    type: Number,
    nullable: true,
    description: 'For a rollback: the version whose values it restored',
  })
  @Field(() => Int, { nullable: true })
  sourceVersion: number | null;

  @ApiPropertyOptional({ type: String, nullable: true, description: "The caller's stated reason" })
  @Field(() => String, { nullable: true })
  note: string | null;

  @ApiProperty()
  @Field()
  createdBy: string;

  @ApiProperty({ type: String, format: 'date-time' })
  @Field(() => GraphQLISODateTime)
  createdAt: Date;

  @ApiProperty({ type: [KeyFingerprintView] })
  @Field(() => [KeyFingerprintView])
  fingerprints: KeyFingerprintView[];

  @ApiProperty({ description: 'Whether the encrypted values are still kept, so a rollback to it works' })
  @Field()
  valuesRetained: boolean;
}
