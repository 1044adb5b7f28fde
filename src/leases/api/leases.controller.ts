import { Body, Delete, Get, Header, Param, Post, Query } from '@nestjs/common';
import { ApiOperation } from '@nestjs/swagger';
import type { Actor } from '../../common/actor.js';
import { ApiController } from '../../common/http/api-controller.decorator.js';
import { AUTHENTICATED, CurrentActor, RequireVerb } from '../../common/http/route-decorators.js';
import { pageOf } from '../../common/paging/page.js';
import { LeaseIdParams, LeaseServiceAccountInput, ListLeasesQuery, ServiceAccountParams } from '../dto/lease-inputs.js';
import { LeasesService } from '../leases.service.js';
import { LeasedTokenView, LeasePageView, LeaseView } from '../models/lease.model.js';

@ApiController('v1', 'leases')
export class LeasesController {
  constructor(private readonly leases: LeasesService) {}

  @Post('namespaces/:namespace/serviceaccounts/:name/leases')
  @RequireVerb('lease')
  @Header('Cache-Control', 'no-store')
  @ApiOperation({ summary: 'Lease a short-lived token of a ServiceAccount, bound to an object the broker owns' })
  lease(
    @CurrentActor() actor: Actor,
    @Param() serviceAccount: ServiceAccountParams,
    @Body() input: LeaseServiceAccountInput,
  ): Promise<LeasedTokenView> {
    return this.leases.lease(actor, serviceAccount, input);
  }

  @Get('leases')
  @RequireVerb(AUTHENTICATED)
  @ApiOperation({ summary: 'Your own leases, and every lease where you manage grants' })
  list(@CurrentActor() actor: Actor, @Query() query: ListLeasesQuery): Promise<LeasePageView> {
    return this.leases.list(actor, query, pageOf(query));
  }

  @Get('leases/:id')
  @RequireVerb(AUTHENTICATED)
  @ApiOperation({ summary: 'One lease (never its token)' })
  get(@CurrentActor() actor: Actor, @Param() { id }: LeaseIdParams): Promise<LeaseView> {
    return this.leases.get(actor, id);
  }

  @Delete('leases/:id')
  @RequireVerb(AUTHENTICATED)
  @ApiOperation({ summary: 'Revoke a lease: its token stops working at once' })
  revoke(@CurrentActor() actor: Actor, @Param() { id }: LeaseIdParams): Promise<LeaseView> {
    return this.leases.revoke(actor, id);
  }
}
