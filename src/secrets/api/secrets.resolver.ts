import { Args, Int, Mutation, Parent, Query, ResolveField, Resolver } from '@nestjs/graphql';
import type { Actor } from '../../common/actor.js';
import { CurrentActor, RequireVerb } from '../../common/http/route-decorators.js';
import { EXPENSIVE_FIELD_COST, perItem } from '../../common/graphql/graphql-options.js';
import { NamespacePipe, SecretNamePipe } from '../dto/kubernetes-name.pipe.js';
import {
  CreateSecretInput,
  DEFAULT_PAGE_SIZE,
  NamespacedListSecretsArgs,
  RequestSecretInput,
  RevokeSecretInput,
  RollbackSecretInput,
  RotateSecretInput,
  UpdateSecretInput,
} from '../dto/secret-inputs.js';
import { SecretConsumerView } from '../models/consumer.model.js';
import { SecretValuesView } from '../models/secret-values.model.js';
import { SecretVersionView } from '../models/secret-version.model.js';
import { SecretWriteResultView } from '../models/secret-write.model.js';
import { SecretPageView, SecretView } from '../models/secret.model.js';
import { SecretWriterService } from '../secret-writer.service.js';
import { SecretsService } from '../secrets.service.js';

@Resolver(() => SecretView)
export class SecretsResolver {
  constructor(
    private readonly secretsService: SecretsService,
    private readonly writer: SecretWriterService,
  ) {}

  @Query(() => SecretPageView, { complexity: perItem('limit', DEFAULT_PAGE_SIZE) })
  @RequireVerb('list')
  secrets(@CurrentActor() actor: Actor, @Args() args: NamespacedListSecretsArgs): Promise<SecretPageView> {
    return this.secretsService.list(actor, args.namespace, args);
  }

  @Query(() => SecretView)
  @RequireVerb('list')
  secret(
    @CurrentActor() actor: Actor,
    @Args('namespace', NamespacePipe) namespace: string,
    @Args('name', SecretNamePipe) name: string,
  ): Promise<SecretView> {
    return this.secretsService.get(actor, namespace, name);
  }

  @ResolveField(() => [SecretVersionView], { complexity: EXPENSIVE_FIELD_COST })
  versions(@CurrentActor() actor: Actor, @Parent() secret: SecretView): Promise<SecretVersionView[]> {
    return this.secretsService.versions(actor, secret.namespace, secret.name);
  }

  @ResolveField(() => [SecretConsumerView], { complexity: EXPENSIVE_FIELD_COST })
  consumers(@CurrentActor() actor: Actor, @Parent() secret: SecretView): Promise<SecretConsumerView[]> {
    return this.secretsService.consumers(actor, secret.namespace, secret.name);
  }

  @Mutation(() => SecretValuesView)
  @RequireVerb('read')
  requestSecret(
    @CurrentActor() actor: Actor,
    @Args('namespace', NamespacePipe) namespace: string,
    @Args('name', SecretNamePipe) name: string,
    @Args('input', { nullable: true }) input?: RequestSecretInput,
  ): Promise<SecretValuesView> {
    return this.secretsService.request(actor, namespace, name, input ?? {});
  }

  @Mutation(() => SecretWriteResultView)
  @RequireVerb('create')
  createSecret(
    @CurrentActor() actor: Actor,
    @Args('namespace', NamespacePipe) namespace: string,
    @Args('input') input: CreateSecretInput,
  ): Promise<SecretWriteResultView> {
    return this.writer.create(actor, namespace, input);
  }

  @Mutation(() => SecretWriteResultView)
  @RequireVerb('update')
  updateSecret(
    @CurrentActor() actor: Actor,
    @Args('namespace', NamespacePipe) namespace: string,
    @Args('name', SecretNamePipe) name: string,
    @Args('input') input: UpdateSecretInput,
    @Args('ifMatch', { type: () => Int, nullable: true, description: 'The version the caller expects to replace' })
    ifMatch?: number,
  ): Promise<SecretWriteResultView> {
    return this.writer.update(actor, namespace, name, input, ifMatch ?? undefined);
  }

  @Mutation(() => SecretWriteResultView)
  @RequireVerb('rotate')
  rotateSecret(
    @CurrentActor() actor: Actor,
    @Args('namespace', NamespacePipe) namespace: string,
    @Args('name', SecretNamePipe) name: string,
    @Args('input', { nullable: true }) input?: RotateSecretInput,
  ): Promise<SecretWriteResultView> {
    return this.writer.rotate(actor, namespace, name, input ?? {});
  }

  @Mutation(() => SecretWriteResultView)
  @RequireVerb('rollback')
  rollbackSecret(
    @CurrentActor() actor: Actor,
    @Args('namespace', NamespacePipe) namespace: string,
    @Args('name', SecretNamePipe) name: string,
    @Args('input') input: RollbackSecretInput,
  ): Promise<SecretWriteResultView> {
    return this.writer.rollback(actor, namespace, name, input);
  }

  @Mutation(() => SecretView)
  @RequireVerb('revoke')
  revokeSecret(
    @CurrentActor() actor: Actor,
    @Args('namespace', NamespacePipe) namespace: string,
    @Args('name', SecretNamePipe) name: string,
    @Args('input') input: RevokeSecretInput,
  ): Promise<SecretView> {
    return this.writer.revoke(actor, namespace, name, input);
  }
}
