import { Args, ArgsType, Field, Int, Mutation, Parent, Query, ResolveField, Resolver } from '@nestjs/graphql';
import { IsInt, IsOptional, Min } from 'class-validator';
import type { Actor } from '../../common/actor.js';
import { EXPENSIVE_FIELD_COST, perItem } from '../../common/graphql/graphql-options.js';
import { CurrentActor, RequireVerb } from '../../common/http/route-decorators.js';
import { DEFAULT_PAGE_SIZE, pageOf } from '../../common/paging/page.js';
import {
  CreateSecretInput,
  RequestSecretInput,
  RevokeSecretInput,
  RollbackSecretInput,
  RotateSecretInput,
  RotationPolicyInput,
  SecretsArgs,
  UpdateSecretInput,
} from '../dto/secret-inputs.js';
import { ArgsWithInput, NamespaceParams, SecretParams } from '../dto/secret-params.js';
import { SecretConsumerView } from '../models/consumer.model.js';
import { SecretValuesView } from '../models/secret-values.model.js';
import { SecretVersionView } from '../models/secret-version.model.js';
import { SecretWriteResultView } from '../models/secret-write.model.js';
import { SecretPageView, SecretView } from '../models/secret.model.js';
import { RotationPolicyService } from '../rotation-policy.service.js';
import { SecretWriterService } from '../secret-writer.service.js';
import { SecretsService } from '../secrets.service.js';

@ArgsType()
class RequestSecretArgs extends ArgsWithInput(SecretParams, RequestSecretInput, { optional: true }) {}
@ArgsType()
class CreateSecretArgs extends ArgsWithInput(NamespaceParams, CreateSecretInput, { optional: false }) {}
@ArgsType()
class UpdateSecretArgs extends ArgsWithInput(SecretParams, UpdateSecretInput, { optional: false }) {
  @Field(() => Int, { nullable: true, description: 'The version the caller expects to replace' })
  @IsOptional()
  @IsInt()
  @Min(1)
  ifMatch?: number;
}
@ArgsType()
class RotateSecretArgs extends ArgsWithInput(SecretParams, RotateSecretInput, { optional: true }) {}
@ArgsType()
class RollbackSecretArgs extends ArgsWithInput(SecretParams, RollbackSecretInput, { optional: false }) {}
@ArgsType()
class UpdateRotationPolicyArgs extends ArgsWithInput(SecretParams, RotationPolicyInput, { optional: false }) {}
@ArgsType()
class RevokeSecretArgs extends ArgsWithInput(SecretParams, RevokeSecretInput, { optional: false }) {}

@Resolver(() => SecretView)
export class SecretsResolver {
  constructor(
    private readonly secretsService: SecretsService,
    private readonly writer: SecretWriterService,
    private readonly rotationPolicies: RotationPolicyService,
  ) {}

  @Query(() => SecretPageView, {
    description: 'Secrets of a namespace the caller may list: names, keys, labels, versions; never values',
    complexity: perItem('first', DEFAULT_PAGE_SIZE),
  })
  @RequireVerb('list')
  secrets(@CurrentActor() actor: Actor, @Args() args: SecretsArgs): Promise<SecretPageView> {
    return this.secretsService.list(actor, args.namespace, args.labelSelector ?? undefined, pageOf(args));
  }

  @Query(() => SecretView, { description: 'Metadata and current version of a secret, no values' })
  @RequireVerb('list')
  secret(@CurrentActor() actor: Actor, @Args() secret: SecretParams): Promise<SecretView> {
    return this.secretsService.get(actor, secret);
  }

  @ResolveField(() => [SecretVersionView], {
    description: 'Version history: fingerprints, never values',
    complexity: EXPENSIVE_FIELD_COST,
  })
  versions(@CurrentActor() actor: Actor, @Parent() secret: SecretView): Promise<SecretVersionView[]> {
    return this.secretsService.versions(actor, secret);
  }

  @ResolveField(() => [SecretConsumerView], {
    description: 'Workloads that reference the secret, and how (the blast radius)',
    complexity: EXPENSIVE_FIELD_COST,
  })
  consumers(@CurrentActor() actor: Actor, @Parent() secret: SecretView): Promise<SecretConsumerView[]> {
    return this.secretsService.consumers(actor, secret);
  }

  @Mutation(() => SecretValuesView, { description: 'Obtain the values of a secret' })
  @RequireVerb('read')
  requestSecret(
    @CurrentActor() actor: Actor,
    @Args() { input, ...secret }: RequestSecretArgs,
  ): Promise<SecretValuesView> {
    return this.secretsService.request(actor, secret, input ?? {});
  }

  @Mutation(() => SecretWriteResultView, { description: 'Create a secret from values and/or generators' })
  @RequireVerb('create')
  createSecret(
    @CurrentActor() actor: Actor,
    @Args() { namespace, input }: CreateSecretArgs,
  ): Promise<SecretWriteResultView> {
    return this.writer.create(actor, namespace, input);
  }

  @Mutation(() => SecretWriteResultView, { description: 'Set explicit values (a new version)' })
  @RequireVerb('update')
  updateSecret(
    @CurrentActor() actor: Actor,
    @Args() { input, ifMatch, ...secret }: UpdateSecretArgs,
  ): Promise<SecretWriteResultView> {
    return this.writer.update(actor, secret, input, ifMatch ?? undefined);
  }

  @Mutation(() => SecretWriteResultView, { description: 'Generate new values (a new version)' })
  @RequireVerb('rotate')
  rotateSecret(
    @CurrentActor() actor: Actor,
    @Args() { input, ...secret }: RotateSecretArgs,
  ): Promise<SecretWriteResultView> {
    return this.writer.rotate(actor, secret, input ?? {});
  }

  @Mutation(() => SecretWriteResultView, {
    description: "Restore an earlier version's values (as a new version)",
  })
  @RequireVerb('rollback')
  rollbackSecret(
    @CurrentActor() actor: Actor,
    @Args() { input, ...secret }: RollbackSecretArgs,
  ): Promise<SecretWriteResultView> {
    return this.writer.rollback(actor, secret, input);
  }

  @Mutation(() => SecretView, {
    description: 'Delete the secret from the cluster, keep its history, mark it revoked',
  })
  @RequireVerb('revoke')
  revokeSecret(@CurrentActor() actor: Actor, @Args() { input, ...secret }: RevokeSecretArgs): Promise<SecretView> {
    return this.writer.revoke(actor, secret, input);
  }

  @Mutation(() => SecretView, {
    description:
      "Change a secret's rotation policy (needs update); generators given are added to the ones it has. Audited with the old and new policy",
  })
  @RequireVerb('update')
  updateRotationPolicy(
    @CurrentActor() actor: Actor,
    @Args() { input, ...secret }: UpdateRotationPolicyArgs,
  ): Promise<SecretView> {
    return this.rotationPolicies.update(actor, secret, input);
  }
}
