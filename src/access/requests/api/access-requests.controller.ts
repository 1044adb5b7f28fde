import { Body, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import type { Actor } from '../../../common/actor.js';
import { ApiController } from '../../../common/http/api-controller.decorator.js';
import { ApiRoute } from '../../../common/http/api-route.decorator.js';
import { AUTHENTICATED, CurrentActor, RequireVerb } from '../../../common/http/route-decorators.js';
import { pageOf } from '../../../common/paging/page.js';
import { AccessRequestsService } from '../access-requests.service.js';
import { AccessReviewsService } from '../access-reviews.service.js';
import {
  AccessRequestIdParams,
  ListAccessRequestsQuery,
  PostReviewAccessRequestInput,
  RequestAccessInput,
  ReviewAccessRequestInput,
  RevokeAccessRequestInput,
  WithdrawAccessRequestInput,
} from '../dto/access-request.inputs.js';
import { AccessRequestPageView, AccessRequestView } from '../models/access-request.model.js';

@ApiController('v1/access-requests', 'access requests')
export class AccessRequestsController {
  constructor(
    private readonly requests: AccessRequestsService,
    private readonly reviews: AccessReviewsService,
  ) {}

  @Post()
  @RequireVerb(AUTHENTICATED)
  @ApiRoute({
    summary: 'Ask for a role on a scope for a time, under an access policy (or break glass)',
    description:
      'Open to the policy’s requesters (break-glass: its break-glass subjects, with a reason; the grant is made at once). 409 names an earlier pending request or live access for the same thing; 422 when nobody but you could approve. `dryRun` shows who could approve and the duration, and stores nothing.',
    returns: AccessRequestView,
    returnsDescription: 'The request (for a dry run: what it would be)',
    status: 201,
    kind: 'creation',
    body: { type: RequestAccessInput, description: 'What, where, for how long and why' },
  })
  request(@CurrentActor() actor: Actor, @Body() input: RequestAccessInput): Promise<AccessRequestView> {
    return this.requests.request(actor, input);
  }

  @Get()
  @RequireVerb(AUTHENTICATED)
  @ApiRoute({
    summary: 'Access requests: your own, those waiting for your review, or all you may see',
    description:
      '`view=mine` (default) for anyone; `needs-my-review` needs `approve`; `all` needs `approve` or `grants:manage` and shows requests over scopes where you hold it. `unreviewedBreakGlass=true` lists break-glass uses with no post-review yet.',
    returns: AccessRequestPageView,
    returnsDescription: 'One page of requests, newest first, with their reviews and grants',
    kind: 'listing',
  })
  list(@CurrentActor() actor: Actor, @Query() query: ListAccessRequestsQuery): Promise<AccessRequestPageView> {
    return this.requests.list(actor, query, pageOf(query));
  }

  @Get(':id')
  @RequireVerb(AUTHENTICATED)
  @ApiRoute({
    summary: 'One access request, with its reviews and grant',
    description: 'Your own, or one over a scope where you hold `approve` or `grants:manage`.',
    returns: AccessRequestView,
    returnsDescription: 'The request',
    kind: 'lookup',
  })
  get(@CurrentActor() actor: Actor, @Param() { id }: AccessRequestIdParams): Promise<AccessRequestView> {
    return this.requests.get(actor, id);
  }

  @Post(':id/reviews')
  @RequireVerb('approve')
  @ApiRoute({
    summary: 'Approve or deny an access request',
    description:
      'Needs `approve` over the request’s whole scope; 403 on your own request, whatever your groups or token. 409 once it is resolved or you have reviewed it. The last approval needed creates the grant in the same transaction; a denial (with a reason) ends the request. `maxDurationSeconds` can only shorten the access.',
    returns: AccessRequestView,
    returnsDescription: 'The request after the review',
    status: 201,
    kind: 'creation',
    body: { type: ReviewAccessRequestInput, description: 'The decision' },
  })
  review(
    @CurrentActor() actor: Actor,
    @Param() { id }: AccessRequestIdParams,
    @Body() input: ReviewAccessRequestInput,
  ): Promise<AccessRequestView> {
    return this.reviews.review(actor, id, input);
  }

  @Post(':id/withdraw')
  @HttpCode(200)
  @RequireVerb(AUTHENTICATED)
  @ApiRoute({
    summary: 'Withdraw your pending access request',
    description: 'Only the requester, only while pending (409 otherwise).',
    returns: AccessRequestView,
    returnsDescription: 'The withdrawn request',
    kind: 'creation',
    body: { type: WithdrawAccessRequestInput, description: 'Why', required: false },
  })
  withdraw(
    @CurrentActor() actor: Actor,
    @Param() { id }: AccessRequestIdParams,
    @Body() input: WithdrawAccessRequestInput = {},
  ): Promise<AccessRequestView> {
    return this.requests.withdraw(actor, id, input?.reason);
  }

  @Post(':id/revoke')
  @HttpCode(200)
  @RequireVerb(AUTHENTICATED)
  @ApiRoute({
    summary: 'End approved access early',
    description:
      'The requester, an approver over the scope or a `grants:manage` holder there, with a reason. The grantee’s next request is refused.',
    returns: AccessRequestView,
    returnsDescription: 'The request with its grant revoked',
    kind: 'creation',
    body: { type: RevokeAccessRequestInput, description: 'Why' },
  })
  revoke(
    @CurrentActor() actor: Actor,
    @Param() { id }: AccessRequestIdParams,
    @Body() input: RevokeAccessRequestInput,
  ): Promise<AccessRequestView> {
    return this.reviews.revoke(actor, id, input.reason);
  }

  @Post(':id/post-review')
  @HttpCode(200)
  @RequireVerb('approve')
  @ApiRoute({
    summary: 'Record the review of a break-glass use',
    description: 'Needs `approve` over the scope; never the subject who broke glass; once per use.',
    returns: AccessRequestView,
    returnsDescription: 'The request with its post-review',
    kind: 'creation',
    body: { type: PostReviewAccessRequestInput, description: 'acknowledged or flagged' },
  })
  postReview(
    @CurrentActor() actor: Actor,
    @Param() { id }: AccessRequestIdParams,
    @Body() input: PostReviewAccessRequestInput,
  ): Promise<AccessRequestView> {
    return this.reviews.postReview(actor, id, input.outcome, input.reason);
  }
}
