import { Get } from '@nestjs/common';
import { ApiOperation } from '@nestjs/swagger';
import type { Actor } from '../../common/actor.js';
import { AUTHENTICATED, CurrentActor, RequireVerb } from '../../common/http/route-decorators.js';
import { ApiController } from '../../common/http/api-controller.decorator.js';
import { GrantsService } from '../grants.service.js';
import { WhoamiView } from '../models/whoami.model.js';

@ApiController('v1/whoami', 'identity')
export class WhoamiController {
  constructor(private readonly grants: GrantsService) {}

  @Get()
  @RequireVerb(AUTHENTICATED)
  @ApiOperation({ summary: 'The calling subject and its effective grants' })
  whoami(@CurrentActor() actor: Actor): Promise<WhoamiView> {
    return this.grants.whoami(actor);
  }
}
