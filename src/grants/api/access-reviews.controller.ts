import { Body, HttpCode, Post } from '@nestjs/common';
import type { Actor } from '../../common/actor.js';
import { AUTHENTICATED, CurrentActor, RequireVerb } from '../../common/http/route-decorators.js';
import { ApiController } from '../../common/http/api-controller.decorator.js';
import { ApiRoute } from '../../common/http/api-route.decorator.js';
import { AccessReviewInput } from '../dto/access-review.input.js';
import { GrantsService } from '../grants.service.js';
import { AccessReviewView } from '../models/access-review.model.js';

@ApiController('v1/access-reviews', 'grants')
export class AccessReviewsController {
  constructor(private readonly grants: GrantsService) {}

  @Post()
  @HttpCode(200)
  // Anyone may review their own access; reviewing another subject needs grants:manage (service).
  @RequireVerb(AUTHENTICATED)
  @ApiRoute({
    summary: 'May a subject (default: the caller) perform a verb on a secret?',
    description:
      'Any caller may review its own access; reviewing another subject needs `grants:manage` on the namespace.',
    returns: AccessReviewView,
    returnsDescription: 'The decision, its reason and the grants that matched',
    kind: 'submission',
    body: { type: AccessReviewInput, description: 'Who, which verb, which secret' },
  })
  review(@CurrentActor() actor: Actor, @Body() input: AccessReviewInput): Promise<AccessReviewView> {
    return this.grants.review(actor, input);
  }
}
