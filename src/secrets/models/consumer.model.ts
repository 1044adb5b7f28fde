import { Field, ObjectType } from '@nestjs/graphql';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

@ObjectType('SecretUsage', { description: 'One way a workload uses the secret' })
export class SecretUsageView {
  @ApiProperty({ enum: ['env', 'envFrom', 'volume', 'projectedVolume'] })
  @Field()
  type: string;

  @ApiPropertyOptional()
  @Field({ nullable: true })
  container?: string;

  @ApiPropertyOptional({ description: 'Environment variable name (env)' })
  @Field({ nullable: true })
  variable?: string;

  @ApiPropertyOptional({ description: 'Secret key (env)' })
  @Field({ nullable: true })
  key?: string;

  @ApiPropertyOptional({ description: 'Volume name (volume, projectedVolume)' })
  @Field({ nullable: true })
  volume?: string;
}

@ObjectType('SecretConsumer', { description: 'A workload that references the secret, and how' })
export class SecretConsumerView {
  @ApiProperty({ enum: ['Deployment', 'StatefulSet', 'DaemonSet'] })
  @Field()
  kind: string;

  @ApiProperty()
  @Field()
  namespace: string;

  @ApiProperty()
  @Field()
  name: string;

  @ApiProperty({ type: [SecretUsageView] })
  @Field(() => [SecretUsageView])
  usages: SecretUsageView[];
}
