import { Field, ObjectType } from '@nestjs/graphql';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { SecretConsumerView } from './consumer.model.js';
import { SecretValueView } from './secret-values.model.js';
import { SecretVersionView } from './secret-version.model.js';
import { SecretView } from './secret.model.js';

@ObjectType('SecretWriteResult', { description: 'The outcome of create, update, rotate or rollback' })
export class SecretWriteResultView {
  @ApiProperty({ type: SecretView, description: 'The secret after the change, without values' })
  @Field(() => SecretView)
  secret: SecretView;

  @ApiProperty({ type: SecretVersionView, description: 'The version the change made' })
  @Field(() => SecretVersionView)
  version: SecretVersionView;

  @ApiProperty({ type: [SecretConsumerView], description: 'Workloads restarted because restartWorkloads was set' })
  @Field(() => [SecretConsumerView])
  restarted: SecretConsumerView[];

  @ApiPropertyOptional({
    type: [SecretValueView],
    description: 'Only for rotate with returnValues by a caller who may also read',
  })
  @Field(() => [SecretValueView], { nullable: true })
  values?: SecretValueView[];
}
