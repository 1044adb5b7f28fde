import { Args, Mutation, Query, Resolver } from '@nestjs/graphql';
import type { Actor } from '../../common/actor.js';
import { AUTHENTICATED, CurrentActor, RequireVerb } from '../../common/http/route-decorators.js';
import { AccessReviewInput } from '../dto/access-review.input.js';
import { CreateGrantInput } from '../dto/create-grant.input.js';
import { CreateRoleInput } from '../dto/create-role.input.js';
import { GrantIdParams, RoleNameParams } from '../dto/params.js';
import { ListGrantsArgs } from '../dto/list-grants.args.js';
import { GrantsService } from '../grants.service.js';
import { AccessReviewView } from '../models/access-review.model.js';
import { GrantView } from '../models/grant.model.js';
import { RoleView } from '../models/role.model.js';
import { WhoamiView } from '../models/whoami.model.js';
import { RolesService } from '../roles.service.js';

@Resolver()
export class GrantsResolver {
  constructor(
    private readonly grantsService: GrantsService,
    private readonly rolesService: RolesService,
  ) {}

  @Query(() => WhoamiView, { description: 'The calling subject and its effective grants' })
  @RequireVerb(AUTHENTICATED)
  whoami(@CurrentActor() actor: Actor): Promise<WhoamiView> {
    return this.grantsService.whoami(actor);
  }

  @Query(() => [GrantView], { description: "Grants within the caller's grants:manage scope, filtered" })
  @RequireVerb('grants:manage')
  grants(@CurrentActor() actor: Actor, @Args() filters: ListGrantsArgs): Promise<GrantView[]> {
    return this.grantsService.list(actor, filters);
  }

  @Query(() => [RoleView], { description: 'The built-in and custom roles' })
  @RequireVerb('grants:manage')
  roles(@CurrentActor() actor: Actor): Promise<RoleView[]> {
    return this.rolesService.list(actor);
  }

  @Query(() => AccessReviewView, {
    description: 'Whether a subject (the caller, or anyone with grants:manage) may perform a verb on a secret',
  })
  @RequireVerb(AUTHENTICATED)
  accessReview(
    @CurrentActor() actor: Actor,
    @Args('input', { description: 'The subject, verb and secret to review' }) input: AccessReviewInput,
  ): Promise<AccessReviewView> {
    return this.grantsService.review(actor, input);
  }

  @Mutation(() => GrantView, { description: 'Bind a subject to a role on a namespace and name pattern' })
  @RequireVerb('grants:manage')
  createGrant(
    @CurrentActor() actor: Actor,
    @Args('input', { description: 'The grant to create' }) input: CreateGrantInput,
  ): Promise<GrantView> {
    return this.grantsService.create(actor, input);
  }

  @Mutation(() => GrantView, { description: 'Delete a grant; answers the grant as it was' })
  @RequireVerb('grants:manage')
  deleteGrant(@CurrentActor() actor: Actor, @Args() { id }: GrantIdParams): Promise<GrantView> {
    return this.grantsService.delete(actor, id);
  }

  @Mutation(() => RoleView, { description: 'Create a custom role: a named set of verbs' })
  @RequireVerb('grants:manage')
  createRole(
    @CurrentActor() actor: Actor,
    @Args('input', { description: 'The role to create' }) input: CreateRoleInput,
  ): Promise<RoleView> {
    return this.rolesService.create(actor, input);
  }

  @Mutation(() => RoleView, { description: 'Delete a custom role no grant uses' })
  @RequireVerb('grants:manage')
  deleteRole(@CurrentActor() actor: Actor, @Args() { name }: RoleNameParams): Promise<RoleView> {
    return this.rolesService.delete(actor, name);
  }
}
