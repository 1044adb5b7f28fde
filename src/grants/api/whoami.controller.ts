import { Get } from '@nestjs/common';
import type { Actor } from '../../common/actor.js';
import { AUTHENTICATED, CurrentActor, RequireVerb } from '../../common/http/route-decorators.js';
import { ApiController } from '../../common/http/api-controller.decorator.js';
import { ApiRoute } from '../../common/http/api-route.decorator.js';
import { GrantsService } from '../grants.service.js';
import { WhoamiView } from '../models/whoami.model.js';

@ApiController('v1/whoami', 'identity')
export class WhoamiController {
  constructor(private readonly grants: GrantsService) {}

  @Get()
  @RequireVerb(AUTHENTICATED)
  @ApiRoute({
    summary: 'The calling subject and its effective grants',
    description: 'Any authenticated caller; includes the grants of its groups.',
    returns: WhoamiView,
    returnsDescription: 'The subject, the subjects it acts as, and their grants',
    kind: 'caller',
  })
  whoami(@CurrentActor() actor: Actor): Promise<WhoamiView> {
    return this.grants.whoami(actor);
  }
}
