import { Field, Int, ObjectType } from '@nestjs/graphql';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

@ObjectType('SecretValue', { description: 'The value of one key' })
export class SecretValueView {
  @ApiProperty()
  @Field()
  key: string;

  @ApiProperty()
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
  @ApiProperty()
  @Field()
  namespace: string;

  @ApiProperty()
  @Field()
  name: string;

  @ApiPropertyOptional({
    type: Number,
    nullable: true,
    description: 'null for a secret the broker has not written yet',
  })
  @Field(() => Int, { nullable: true })
  version: number | null;

  @ApiProperty({ type: [SecretValueView] })
  @Field(() => [SecretValueView])
  values: SecretValueView[];
}
