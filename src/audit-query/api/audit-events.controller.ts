import { Get, Query, StreamableFile } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiProduces } from '@nestjs/swagger';
import { ApiProblemResponses, ROUTE_PROBLEMS } from '../../common/http/api-problem.decorator.js';
import { Readable } from 'node:stream';
import type { Actor } from '../../common/actor.js';
import { CurrentActor, RequireVerb } from '../../common/http/route-decorators.js';
import { ApiController } from '../../common/http/api-controller.decorator.js';
import { ApiRoute } from '../../common/http/api-route.decorator.js';
import { pageOf } from '../../common/paging/page.js';
import { AuditQueryService } from '../audit-query.service.js';
import { ExportAuditEventsQuery, ListAuditEventsQuery } from '../dto/audit-events.query.js';
import { AuditChainVerification } from '../models/audit-chain-verification.model.js';
import { AuditEventPage, type AuditEventView } from '../../audit/models/audit-event.model.js';

export const NDJSON = 'application/x-ndjson';

@ApiController('v1/audit-events', 'audit')
export class AuditEventsController {
  constructor(private readonly audit: AuditQueryService) {}

  @Get()
  @RequireVerb('audit:read')
  @ApiRoute({
    summary: 'Audit events visible to the caller, newest first, with cursor pagination',
    description: 'Needs `audit:read`; events of namespaces where the caller lacks it are left out. Filters combine.',
    returns: AuditEventPage,
    returnsDescription: 'One page of events and the cursor of the next, older page',
    kind: 'listing',
  })
  list(@CurrentActor() actor: Actor, @Query() query: ListAuditEventsQuery): Promise<AuditEventPage> {
    return this.audit.list(actor, query, pageOf(query));
  }

  @Get('verify')
  @RequireVerb('audit:read')
  @ApiRoute({
    summary: 'Verify the whole hash chain against the signed checkpoints kept outside the database',
    description:
      'Needs `audit:read` on every namespace. Walks every event; a broken chain is still 200, with `ok` false.',
    returns: AuditChainVerification,
    returnsDescription: 'What the walk found; `ok` is false when anything was',
    kind: 'guarded',
  })
  verify(@CurrentActor() actor: Actor): Promise<AuditChainVerification> {
    return this.audit.verify(actor);
  }

  @Get('export')
  @RequireVerb('audit:read')
  @ApiOperation({
    summary: 'Stream the visible audit events of a time range as NDJSON, oldest first',
    description: 'Needs `audit:read`; events of namespaces where the caller lacks it are left out.',
  })
  @ApiProduces(NDJSON)
  @ApiOkResponse({ description: 'One audit event (as in the list) per line', schema: { type: 'string' } })
  @ApiProblemResponses(ROUTE_PROBLEMS.listing)
  async export(@CurrentActor() actor: Actor, @Query() range: ExportAuditEventsQuery): Promise<StreamableFile> {
    const events = await this.audit.export(actor, range);
    return new StreamableFile(Readable.from(ndjsonLines(events)), { type: NDJSON });
  }
}

async function* ndjsonLines(events: AsyncIterable<AuditEventView>): AsyncGenerator<string> {
  for await (const event of events) yield `${JSON.stringify(event)}\n`;
}
