import { Body, Delete, Get, Param, Post } from '@nestjs/common';
import { ApiOperation } from '@nestjs/swagger';
import type { Actor } from '../../common/actor.js';
import { CurrentActor, RequireVerb } from '../../common/http/route-decorators.js';
import { ApiController } from '../../common/http/api-controller.decorator.js';
import { RoleNameParams } from '../dto/params.js';
import { CreateRoleInput } from '../dto/create-role.input.js';
import { RoleView } from '../models/role.model.js';
import { RolesService } from '../roles.service.js';

@ApiController('v1/roles', 'roles')
export class RolesController {
  constructor(private readonly roles: RolesService) {}

  @Get()
  @RequireVerb('grants:manage')
  @ApiOperation({ summary: 'List built-in and custom roles' })
  list(@CurrentActor() actor: Actor): Promise<RoleView[]> {
    return this.roles.list(actor);
  }

  @Post()
  @RequireVerb('grants:manage')
  @ApiOperation({ summary: 'Define a custom role (only from verbs you hold everywhere)' })
  create(@CurrentActor() actor: Actor, @Body() input: CreateRoleInput): Promise<RoleView> {
    return this.roles.create(actor, input);
  }

  @Delete(':name')
  @RequireVerb('grants:manage')
  @ApiOperation({ summary: 'Delete an unused custom role' })
  delete(@CurrentActor() actor: Actor, @Param() { name }: RoleNameParams): Promise<RoleView> {
    return this.roles.delete(actor, name);
  }
}
