import { Field, ObjectType } from '@nestjs/graphql';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

@ObjectType('SecretUsage', { description: 'One way a workload uses the secret' })
export class SecretUsageView {
  @ApiProperty({
    enum: ['env', 'envFrom', 'volume', 'projectedVolume'],
    description: 'How the workload uses the secret',
  })
  @Field()
  type: string;

  @ApiPropertyOptional({ description: 'The container that uses it (env, envFrom)' })
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
  @ApiProperty({ enum: ['Deployment', 'StatefulSet', 'DaemonSet'], description: 'The kind of workload' })
  @Field()
  kind: string;

  @ApiProperty({ description: 'The namespace of the workload' })
  @Field()
  namespace: string;

  @ApiProperty({ description: 'The name of the workload' })
  @Field()
  name: string;

  @ApiProperty({ type: [SecretUsageView], description: 'Each place the workload uses the secret' })
  @Field(() => [SecretUsageView])
  usages: SecretUsageView[];
}
