import { Args, Mutation, Query, Resolver } from '@nestjs/graphql';
import type { Actor } from '../../common/actor.js';
import { AUTHENTICATED, CurrentActor, RequireVerb } from '../../common/http/route-decorators.js';
import { pageOf } from '../../common/paging/page.js';
import { LeaseIdParams, LeasesArgs, LeaseServiceAccountArgs } from '../dto/lease-inputs.js';
import { LeasesService } from '../leases.service.js';
import { LeasedTokenView, LeasePageView, LeaseView } from '../models/lease.model.js';

@Resolver()
export class LeasesResolver {
  constructor(private readonly leasesService: LeasesService) {}

  @Query(() => LeasePageView, {
    description: 'Your own leases, and every lease in namespaces where you manage grants; never their tokens',
  })
  @RequireVerb(AUTHENTICATED)
  leases(@CurrentActor() actor: Actor, @Args() args: LeasesArgs): Promise<LeasePageView> {
    return this.leasesService.list(actor, args, pageOf(args));
  }

  @Query(() => LeaseView, { description: 'One lease (never its token)' })
  @RequireVerb(AUTHENTICATED)
  lease(@CurrentActor() actor: Actor, @Args() { id }: LeaseIdParams): Promise<LeaseView> {
    return this.leasesService.get(actor, id);
  }

  @Mutation(() => LeasedTokenView, {
    description: 'Lease a short-lived token of a ServiceAccount, bound to an object the broker owns; returned once',
  })
  @RequireVerb('lease')
  leaseServiceAccountToken(
    @CurrentActor() actor: Actor,
    @Args() { namespace, name, input }: LeaseServiceAccountArgs,
  ): Promise<LeasedTokenView> {
    return this.leasesService.lease(actor, { namespace, name }, input);
  }

  @Mutation(() => LeaseView, { description: 'Revoke a lease: its token stops working at once' })
  @RequireVerb(AUTHENTICATED)
  revokeLease(@CurrentActor() actor: Actor, @Args() { id }: LeaseIdParams): Promise<LeaseView> {
    return this.leasesService.revoke(actor, id);
  }
}
