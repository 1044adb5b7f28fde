import { Body, Delete, Get, Param, Post, Query } from '@nestjs/common';
import type { Actor } from '../../common/actor.js';
import { CurrentActor, RequireVerb } from '../../common/http/route-decorators.js';
import { CreateGrantInput } from '../dto/create-grant.input.js';
import { ListGrantsArgs } from '../dto/list-grants.args.js';
import { GrantsService } from '../grants.service.js';
import { GrantView } from '../models/grant.model.js';
import { ApiController } from '../../common/http/api-controller.decorator.js';
import { ApiRoute } from '../../common/http/api-route.decorator.js';
import { GrantIdParams } from '../dto/params.js';

@ApiController('v1/grants', 'grants')
export class GrantsController {
  constructor(private readonly grants: GrantsService) {}

  @Get()
  @RequireVerb('grants:manage')
  @ApiRoute({
    summary: 'List the grants in namespaces where the caller manages grants',
    description:
      'Needs `grants:manage`; grants outside the namespaces where the caller has it are left out. Filters combine.',
    returns: [GrantView],
    returnsDescription: 'The matching grants',
    kind: 'listing',
  })
  list(@CurrentActor() actor: Actor, @Query() filters: ListGrantsArgs): Promise<GrantView[]> {
    return this.grants.list(actor, filters);
  }

  @Post()
  @RequireVerb('grants:manage')
  @ApiRoute({
    summary: 'Grant a role to a subject on a scope (no escalation beyond your own grants)',
    description:
      "Needs `grants:manage` on the namespace, and the role's verbs on the scope: no one grants more than they hold.",
    returns: GrantView,
    returnsDescription: 'The new grant',
    status: 201,
    kind: 'submission',
    body: {
      type: CreateGrantInput,
      description: 'Who gets which role where',
      example: {
        subject: 'user:alice',
        role: 'reader',
        namespace: 'team-a',
        namePattern: 'db-*',
        expiresAt: '2030-01-01T00:00:00Z',
        reason: 'on-call',
      },
    },
  })
  create(@CurrentActor() actor: Actor, @Body() input: CreateGrantInput): Promise<GrantView> {
    return this.grants.create(actor, input);
  }

  @Get(':id')
  @RequireVerb('grants:manage')
  @ApiRoute({
    summary: 'Get one grant',
    description: 'Needs `grants:manage` on the namespace of the grant.',
    returns: GrantView,
    returnsDescription: 'The grant',
    kind: 'lookup',
  })
  get(@CurrentActor() actor: Actor, @Param() { id }: GrantIdParams): Promise<GrantView> {
    return this.grants.get(actor, id);
  }

  @Delete(':id')
  @RequireVerb('grants:manage')
  @ApiRoute({
    summary: 'Delete a grant (only one you could have created)',
    description: 'Needs `grants:manage` on the namespace of the grant and its verbs on its scope.',
    returns: GrantView,
    returnsDescription: 'The deleted grant',
    kind: 'lookup',
  })
  delete(@CurrentActor() actor: Actor, @Param() { id }: GrantIdParams): Promise<GrantView> {
    return this.grants.delete(actor, id);
  }
}
