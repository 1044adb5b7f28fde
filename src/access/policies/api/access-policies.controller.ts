import { Body, Delete, Get, Param, Post, Put } from '@nestjs/common';
import type { Actor } from '../../../common/actor.js';
import { ApiController } from '../../../common/http/api-controller.decorator.js';
import { ApiRoute } from '../../../common/http/api-route.decorator.js';
import { AUTHENTICATED, CurrentActor, RequireVerb } from '../../../common/http/route-decorators.js';
import { AccessPoliciesService } from '../access-policies.service.js';
import { AccessPolicyInput, AccessPolicyNameParams, CreateAccessPolicyInput } from '../dto/access-policy.input.js';
import { AccessPolicyView } from '../models/access-policy.model.js';

@ApiController('v1/access-policies', 'access requests')
export class AccessPoliciesController {
  constructor(private readonly policies: AccessPoliciesService) {}

  @Get()
  @RequireVerb(AUTHENTICATED)
  @ApiRoute({
    summary: 'The access policies you manage, may request under, or may approve for',
    description:
      'Managers (`grants:manage` over the scope), requesters and approvers (`approve` over the scope) see a policy.',
    returns: [AccessPolicyView],
    returnsDescription: 'The policies, by name',
    kind: 'caller',
  })
  list(@CurrentActor() actor: Actor): Promise<AccessPolicyView[]> {
    return this.policies.list(actor);
  }

  @Post()
  @RequireVerb('grants:manage')
  @ApiRoute({
    summary: 'Create an access policy',
    description:
      'Needs `grants:manage` over the whole scope and every verb of the roles it offers there (no one offers access they could not grant).',
    returns: AccessPolicyView,
    returnsDescription: 'The new policy',
    status: 201,
    kind: 'creation',
    body: { type: CreateAccessPolicyInput, description: 'The policy' },
  })
  create(@CurrentActor() actor: Actor, @Body() input: CreateAccessPolicyInput): Promise<AccessPolicyView> {
    return this.policies.create(actor, input);
  }

  @Get(':name')
  @RequireVerb(AUTHENTICATED)
  @ApiRoute({
    summary: 'One access policy',
    description: 'Seen by its managers, requesters and approvers; to anyone else it does not exist.',
    returns: AccessPolicyView,
    returnsDescription: 'The policy',
    kind: 'lookup',
  })
  get(@CurrentActor() actor: Actor, @Param() { name }: AccessPolicyNameParams): Promise<AccessPolicyView> {
    return this.policies.get(actor, name);
  }

  @Put(':name')
  @RequireVerb('grants:manage')
  @ApiRoute({
    summary: 'Replace the settings of an access policy',
    description:
      'Needs `grants:manage` and the offered roles’ verbs over both the old and the new scope. Pending requests that no longer fit are invalidated.',
    returns: AccessPolicyView,
    returnsDescription: 'The policy as changed',
    kind: 'submission',
    body: { type: AccessPolicyInput, description: 'Every setting of the policy' },
  })
  update(
    @CurrentActor() actor: Actor,
    @Param() { name }: AccessPolicyNameParams,
    @Body() input: AccessPolicyInput,
  ): Promise<AccessPolicyView> {
    return this.policies.update(actor, name, input);
  }

  @Delete(':name')
  @RequireVerb('grants:manage')
  @ApiRoute({
    summary: 'Remove an access policy',
    description:
      'Its pending requests are invalidated; every request stays on record, and granted access runs its course.',
    returns: AccessPolicyView,
    returnsDescription: 'The removed policy',
    kind: 'lookup',
  })
  delete(@CurrentActor() actor: Actor, @Param() { name }: AccessPolicyNameParams): Promise<AccessPolicyView> {
    return this.policies.delete(actor, name);
  }
}
