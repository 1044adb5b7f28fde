import { Args, Int, Query, Resolver } from '@nestjs/graphql';
import type { Actor } from '../../../common/actor.js';
import { CurrentActor, RequireVerb } from '../../../common/http/route-decorators.js';
import { perItem } from '../../../common/graphql/graphql-options.js';
import { AuditQueryService } from '../audit-query.service.js';
import { AuditEventFilter } from '../dto/audit-event-filter.input.js';
import { DEFAULT_PAGE_SIZE } from '../dto/audit-events.query.js';
import { AuditEventPage } from '../../models/audit-event.model.js';

@Resolver()
export class AuditEventsResolver {
  constructor(private readonly audit: AuditQueryService) {}

  @Query(() => AuditEventPage, {
    description: 'Audit events visible to the caller, newest first',
    complexity: perItem('first', DEFAULT_PAGE_SIZE),
  })
  @RequireVerb('audit:read')
  auditEvents(
    @CurrentActor() actor: Actor,
    @Args('filter', { type: () => AuditEventFilter, nullable: true }) filter?: AuditEventFilter,
    @Args('after', { type: () => String, nullable: true }) after?: string,
    @Args('first', { type: () => Int, nullable: true }) first?: number,
  ): Promise<AuditEventPage> {
    return this.audit.list(actor, filter ?? {}, after ?? undefined, first ?? undefined);
  }
}
