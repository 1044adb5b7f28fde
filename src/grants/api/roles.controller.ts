import { Body, Delete, Get, Param, Post } from '@nestjs/common';
import type { Actor } from '../../common/actor.js';
import { CurrentActor, RequireVerb } from '../../common/http/route-decorators.js';
import { ApiController } from '../../common/http/api-controller.decorator.js';
import { ApiRoute } from '../../common/http/api-route.decorator.js';
import { RoleNameParams } from '../dto/params.js';
import { CreateRoleInput } from '../dto/create-role.input.js';
import { RoleView } from '../models/role.model.js';
import { RolesService } from '../roles.service.js';

@ApiController('v1/roles', 'roles')
export class RolesController {
  constructor(private readonly roles: RolesService) {}

  @Get()
  @RequireVerb('grants:manage')
  @ApiRoute({
    summary: 'List built-in and custom roles',
    description: 'Needs `grants:manage` somewhere.',
    returns: [RoleView],
    returnsDescription: 'Every role',
    kind: 'guarded',
  })
  list(@CurrentActor() actor: Actor): Promise<RoleView[]> {
    return this.roles.list(actor);
  }

  @Post()
  @RequireVerb('grants:manage')
  @ApiRoute({
    summary: 'Define a custom role (only from verbs you hold everywhere)',
    description: 'Needs `grants:manage`; a role may only hold verbs the caller holds on every namespace.',
    returns: RoleView,
    returnsDescription: 'The new role',
    status: 201,
    kind: 'creation',
    body: { type: CreateRoleInput, description: 'The name and verbs of the new role' },
  })
  create(@CurrentActor() actor: Actor, @Body() input: CreateRoleInput): Promise<RoleView> {
    return this.roles.create(actor, input);
  }

  @Delete(':name')
  @RequireVerb('grants:manage')
  @ApiRoute({
    summary: 'Delete an unused custom role',
    description: 'Needs `grants:manage`. Built-in roles and roles still used by grants cannot be deleted (409).',
    returns: RoleView,
    returnsDescription: 'The deleted role',
    kind: 'deletion',
  })
  delete(@CurrentActor() actor: Actor, @Param() { name }: RoleNameParams): Promise<RoleView> {
    return this.roles.delete(actor, name);
  }
}
