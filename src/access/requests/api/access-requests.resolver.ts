import { Args, Mutation, Query, Resolver, Subscription } from '@nestjs/graphql';
import type { Actor } from '../../../common/actor.js';
import { AUTHENTICATED, CurrentActor, RequireVerb } from '../../../common/http/route-decorators.js';
import { pageOf } from '../../../common/paging/page.js';
import { AccessRequestEventsService } from '../access-request-events.service.js';
import { AccessRequestsService } from '../access-requests.service.js';
import { AccessReviewsService } from '../access-reviews.service.js';
import {
  AccessRequestIdParams,
  AccessRequestsArgs,
  PostReviewAccessRequestArgs,
  RequestAccessArgs,
  ReviewAccessRequestArgs,
  RevokeAccessRequestArgs,
  WithdrawAccessRequestArgs,
} from '../dto/access-request.inputs.js';
import { AccessRequestEventView, AccessRequestPageView, AccessRequestView } from '../models/access-request.model.js';

@Resolver()
export class AccessRequestsResolver {
  constructor(
    private readonly requestsService: AccessRequestsService,
    private readonly reviewsService: AccessReviewsService,
    private readonly eventsService: AccessRequestEventsService,
  ) {}

  @Query(() => AccessRequestPageView, {
    description:
      'Access requests: your own (view mine), those waiting for your review (needs-my-review), or all you may see',
  })
  @RequireVerb(AUTHENTICATED)
  accessRequests(@CurrentActor() actor: Actor, @Args() args: AccessRequestsArgs): Promise<AccessRequestPageView> {
    return this.requestsService.list(actor, args, pageOf(args));
  }

  @Query(() => AccessRequestView, { description: 'One access request, with its reviews and grant' })
  @RequireVerb(AUTHENTICATED)
  accessRequest(@CurrentActor() actor: Actor, @Args() { id }: AccessRequestIdParams): Promise<AccessRequestView> {
    return this.requestsService.get(actor, id);
  }

  @Mutation(() => AccessRequestView, {
    description: 'Ask for a role on a scope for a time, under an access policy (or break glass)',
  })
  @RequireVerb(AUTHENTICATED)
  requestAccess(@CurrentActor() actor: Actor, @Args() { input }: RequestAccessArgs): Promise<AccessRequestView> {
    return this.requestsService.request(actor, input);
  }

  @Mutation(() => AccessRequestView, { description: 'Approve or deny an access request (never your own)' })
  @RequireVerb('approve')
  reviewAccessRequest(
    @CurrentActor() actor: Actor,
    @Args() { id, decision, reason, maxDurationSeconds }: ReviewAccessRequestArgs,
  ): Promise<AccessRequestView> {
    return this.reviewsService.review(actor, id, { decision, reason, maxDurationSeconds });
  }

  @Mutation(() => AccessRequestView, { description: 'Withdraw your pending access request' })
  @RequireVerb(AUTHENTICATED)
  withdrawAccessRequest(
    @CurrentActor() actor: Actor,
    @Args() { id, reason }: WithdrawAccessRequestArgs,
  ): Promise<AccessRequestView> {
    return this.requestsService.withdraw(actor, id, reason);
  }

  @Mutation(() => AccessRequestView, { description: 'End approved access early, with a reason' })
  @RequireVerb(AUTHENTICATED)
  revokeAccessRequest(
    @CurrentActor() actor: Actor,
    @Args() { id, reason }: RevokeAccessRequestArgs,
  ): Promise<AccessRequestView> {
    return this.reviewsService.revoke(actor, id, reason);
  }

  @Mutation(() => AccessRequestView, {
    description: 'Record the review of a break-glass use (acknowledged or flagged)',
  })
  @RequireVerb('approve')
  postReviewAccessRequest(
    @CurrentActor() actor: Actor,
    @Args() { id, outcome, reason }: PostReviewAccessRequestArgs,
  ): Promise<AccessRequestView> {
    return this.reviewsService.postReview(actor, id, outcome, reason);
  }

  @Subscription(() => AccessRequestEventView, {
    description:
      'Live changes to access requests: your own (audience requester), and others’ over scopes where you hold approve (audience reviewer)',
    resolve: (event: AccessRequestEventView) => event,
  })
  @RequireVerb(AUTHENTICATED)
  accessRequestEvents(@CurrentActor() actor: Actor): AsyncIterableIterator<AccessRequestEventView> {
    return this.eventsService.subscribe(actor);
  }
}
