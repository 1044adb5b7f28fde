import { Body, Delete, Get, Header, Param, Post, Query } from '@nestjs/common';
import type { Actor } from '../../common/actor.js';
import { ApiController } from '../../common/http/api-controller.decorator.js';
import { ApiRoute } from '../../common/http/api-route.decorator.js';
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
  @ApiRoute({
    summary: 'Lease a short-lived token of a ServiceAccount, bound to an object the broker owns',
    description:
      'Needs `lease` on the ServiceAccount. The token is bound to a Secret the broker creates and deletes when the lease ends; it is returned once and never stored.',
    returns: LeasedTokenView,
    returnsDescription: 'The lease and its token',
    status: 201,
    kind: 'secretCreation',
    body: { type: LeaseServiceAccountInput, description: 'How long, for whom and why' },
  })
  lease(
    @CurrentActor() actor: Actor,
    @Param() serviceAccount: ServiceAccountParams,
    @Body() input: LeaseServiceAccountInput,
  ): Promise<LeasedTokenView> {
    return this.leases.lease(actor, serviceAccount, input);
  }

  @Get('leases')
  @RequireVerb(AUTHENTICATED)
  @ApiRoute({
    summary: 'Your own leases, and every lease where you manage grants',
    description:
      'Any caller sees its own leases; `grants:manage` on a namespace shows every lease there. Filters combine.',
    returns: LeasePageView,
    returnsDescription: 'One page of leases, never their tokens',
    kind: 'listing',
  })
  list(@CurrentActor() actor: Actor, @Query() query: ListLeasesQuery): Promise<LeasePageView> {
    return this.leases.list(actor, query, pageOf(query));
  }

  @Get('leases/:id')
  @RequireVerb(AUTHENTICATED)
  @ApiRoute({
    summary: 'One lease (never its token)',
    description: 'Your own lease, or one in a namespace where you have `grants:manage`.',
    returns: LeaseView,
    returnsDescription: 'The lease',
    kind: 'lookup',
  })
  get(@CurrentActor() actor: Actor, @Param() { id }: LeaseIdParams): Promise<LeaseView> {
    return this.leases.get(actor, id);
  }

  @Delete('leases/:id')
  @RequireVerb(AUTHENTICATED)
  @ApiRoute({
    summary: 'Revoke a lease: its token stops working at once',
    description:
      'Your own lease, or one in a namespace where you have `grants:manage`. Deletes the Secret the token is bound to; a lease that has ended already is a conflict.',
    returns: LeaseView,
    returnsDescription: 'The revoked lease',
    kind: 'clusterRelease',
  })
  revoke(@CurrentActor() actor: Actor, @Param() { id }: LeaseIdParams): Promise<LeaseView> {
    return this.leases.revoke(actor, id);
  }
}
