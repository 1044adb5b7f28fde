import { Controller, Get } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Actor } from '../../common/actor.js';
import { AUTHENTICATED, CurrentActor, RequireVerb } from '../../common/http/route-decorators.js';
import { ApiProblemResponses } from '../../common/http/api-problem.decorator.js';
import { GrantsService } from '../grants.service.js';
import { WhoamiView } from '../models/whoami.model.js';

@ApiTags('identity')
@ApiBearerAuth()
@ApiProblemResponses()
@Controller('v1/whoami')
export class WhoamiController {
  constructor(private readonly grants: GrantsService) {}

  @Get()
  @RequireVerb(AUTHENTICATED)
  @ApiOperation({ summary: 'The calling subject and its effective grants' })
  whoami(@CurrentActor() actor: Actor): Promise<WhoamiView> {
    return this.grants.whoami(actor);
  }
}
