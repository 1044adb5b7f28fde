import { Args, Mutation, Query, Resolver } from '@nestjs/graphql';
import type { Actor } from '../../../common/actor.js';
import { AUTHENTICATED, CurrentActor, RequireVerb } from '../../../common/http/route-decorators.js';
import { AccessPoliciesService } from '../access-policies.service.js';
import { AccessPolicyNameParams, CreateAccessPolicyArgs, UpdateAccessPolicyArgs } from '../dto/access-policy.input.js';
import { AccessPolicyView } from '../models/access-policy.model.js';

@Resolver()
export class AccessPoliciesResolver {
  constructor(private readonly policiesService: AccessPoliciesService) {}

  @Query(() => [AccessPolicyView], {
    description: 'The access policies you manage, may request under, or may approve for',
  })
  @RequireVerb(AUTHENTICATED)
  accessPolicies(@CurrentActor() actor: Actor): Promise<AccessPolicyView[]> {
    return this.policiesService.list(actor);
  }

  @Query(() => AccessPolicyView, { description: 'One access policy' })
  @RequireVerb(AUTHENTICATED)
  accessPolicy(@CurrentActor() actor: Actor, @Args() { name }: AccessPolicyNameParams): Promise<AccessPolicyView> {
    return this.policiesService.get(actor, name);
  }

  @Mutation(() => AccessPolicyView, { description: 'Create an access policy (no escalation beyond your own grants)' })
  @RequireVerb('grants:manage')
  createAccessPolicy(
    @CurrentActor() actor: Actor,
    @Args() { input }: CreateAccessPolicyArgs,
  ): Promise<AccessPolicyView> {
    return this.policiesService.create(actor, input);
  }

  @Mutation(() => AccessPolicyView, { description: 'Replace the settings of an access policy' })
  @RequireVerb('grants:manage')
  updateAccessPolicy(
    @CurrentActor() actor: Actor,
    @Args() { name, input }: UpdateAccessPolicyArgs,
  ): Promise<AccessPolicyView> {
    return this.policiesService.update(actor, name, input);
  }

  @Mutation(() => AccessPolicyView, { description: 'Remove an access policy; its pending requests are invalidated' })
  @RequireVerb('grants:manage')
  deleteAccessPolicy(
    @CurrentActor() actor: Actor,
    @Args() { name }: AccessPolicyNameParams,
  ): Promise<AccessPolicyView> {
    return this.policiesService.delete(actor, name);
  }
}
