import { Body, Delete, Get, Param, Post, Query } from '@nestjs/common';
import { ApiOperation } from '@nestjs/swagger';
import type { Actor } from '../../common/actor.js';
import { CurrentActor, RequireVerb } from '../../common/http/route-decorators.js';
import { CreateGrantInput } from '../dto/create-grant.input.js';
import { ListGrantsArgs } from '../dto/list-grants.args.js';
import { GrantsService } from '../grants.service.js';
import { GrantView } from '../models/grant.model.js';
import { ApiController } from '../../common/http/api-controller.decorator.js';
import { GrantIdParams } from '../dto/params.js';

@ApiController('v1/grants', 'grants')
export class GrantsController {
  constructor(private readonly grants: GrantsService) {}

  @Get()
  @RequireVerb('grants:manage')
  @ApiOperation({ summary: 'List the grants in namespaces where the caller manages grants' })
  list(@CurrentActor() actor: Actor, @Query() filters: ListGrantsArgs): Promise<GrantView[]> {
    return this.grants.list(actor, filters);
  }

  @Post()
  @RequireVerb('grants:manage')
  @ApiOperation({ summary: 'Grant a role to a subject on a scope (no escalation beyond your own grants)' })
  create(@CurrentActor() actor: Actor, @Body() input: CreateGrantInput): Promise<GrantView> {
    return this.grants.create(actor, input);
  }

  @Get(':id')
  @RequireVerb('grants:manage')
  @ApiOperation({ summary: 'Get one grant' })
  get(@CurrentActor() actor: Actor, @Param() { id }: GrantIdParams): Promise<GrantView> {
    return this.grants.get(actor, id);
  }

  @Delete(':id')
  @RequireVerb('grants:manage')
  @ApiOperation({ summary: 'Delete a grant (only one you could have created)' })
  delete(@CurrentActor() actor: Actor, @Param() { id }: GrantIdParams): Promise<GrantView> {
    return this.grants.delete(actor, id);
  }
}
