import { Get, Query, StreamableFile } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiProduces } from '@nestjs/swagger';
import { Readable } from 'node:stream';
import type { Actor } from '../../../common/actor.js';
import { CurrentActor, RequireVerb } from '../../../common/http/route-decorators.js';
import { ApiController } from '../../../common/http/api-controller.decorator.js';
import { pageOf } from '../../../common/paging/page.js';
import { AuditQueryService } from '../audit-query.service.js';
import { ExportAuditEventsQuery, ListAuditEventsQuery } from '../dto/audit-events.query.js';
import { AuditChainVerification } from '../models/audit-chain-verification.model.js';
import { AuditEventPage, type AuditEventView } from '../../models/audit-event.model.js';

export const NDJSON = 'application/x-ndjson';

@ApiController('v1/audit-events', 'audit')
export class AuditEventsController {
  constructor(private readonly audit: AuditQueryService) {}

  @Get()
  @RequireVerb('audit:read')
  @ApiOperation({ summary: 'Audit events visible to the caller, newest first, with cursor pagination' })
  list(@CurrentActor() actor: Actor, @Query() query: ListAuditEventsQuery): Promise<AuditEventPage> {
    return this.audit.list(actor, query, pageOf(query));
  }

  @Get('verify')
  @RequireVerb('audit:read')
  @ApiOperation({
    summary:
      'Verify the whole hash chain and compare it with the signed checkpoints kept outside the database (needs audit:read on every namespace)',
  })
  @ApiOkResponse({ type: AuditChainVerification, description: 'What the walk found; `ok` is false when anything was' })
  verify(@CurrentActor() actor: Actor): Promise<AuditChainVerification> {
    return this.audit.verify(actor);
  }

  @Get('export')
  @RequireVerb('audit:read')
  @ApiOperation({ summary: 'Stream the visible audit events of a time range as NDJSON, oldest first' })
  @ApiProduces(NDJSON)
  @ApiOkResponse({ description: 'One audit event (as in the list) per line', schema: { type: 'string' } })
  async export(@CurrentActor() actor: Actor, @Query() range: ExportAuditEventsQuery): Promise<StreamableFile> {
    const events = await this.audit.export(actor, range);
    return new StreamableFile(Readable.from(ndjsonLines(events)), { type: NDJSON });
  }
}

async function* ndjsonLines(events: AsyncIterable<AuditEventView>): AsyncGenerator<string> {
  for await (const event of events) yield `${JSON.stringify(event)}\n`;
}
