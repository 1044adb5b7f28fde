import { Field, Int, ObjectType } from '@nestjs/graphql';
import { ApiProperty } from '@nestjs/swagger';

@ObjectType('SecretValue', { description: 'The value of one key' })
export class SecretValueView {
  @ApiProperty({ description: 'The key name' })
  @Field()
  key: string;

  @ApiProperty({ description: 'The value, as UTF-8 text or base64 (see encoding)' })
  @Field()
  value: string;

  @ApiProperty({ enum: ['utf8', 'base64'], description: 'base64 when the value is not valid UTF-8' })
  @Field()
  encoding: string;
}

@ObjectType('SecretValues', {
  description: 'Values handed to an authorised caller (sent with Cache-Control: no-store)',
})
export class SecretValuesView {
  @ApiProperty({ description: 'The namespace of the secret' })
  @Field()
  namespace: string;

  @ApiProperty({ description: 'The name of the secret' })
  @Field()
  name: string;

  @ApiProperty({
    type: Number,
    nullable: true,
    description: 'null for a secret the broker has not written yet',
  })
  @Field(() => Int, { nullable: true })
  version: number | null;

  @ApiProperty({ type: [SecretValueView], description: 'The requested keys and their values' })
  @Field(() => [SecretValueView])
  values: SecretValueView[];
}
