import { Args, Query, Resolver } from '@nestjs/graphql';
import type { Actor } from '../../common/actor.js';
import { perItem } from '../../common/graphql/graphql-options.js';
import { CurrentActor, RequireVerb } from '../../common/http/route-decorators.js';
import { DEFAULT_PAGE_SIZE, pageOf } from '../../common/paging/page.js';
import { AuditEventPage } from '../../audit/models/audit-event.model.js';
import { AuditQueryService } from '../audit-query.service.js';
import { AuditEventsArgs } from '../dto/audit-events.query.js';

@Resolver()
export class AuditEventsResolver {
  constructor(private readonly audit: AuditQueryService) {}

  @Query(() => AuditEventPage, {
    description: 'Audit events visible to the caller, newest first',
    complexity: perItem('first', DEFAULT_PAGE_SIZE),
  })
  @RequireVerb('audit:read')
  auditEvents(@CurrentActor() actor: Actor, @Args() args: AuditEventsArgs): Promise<AuditEventPage> {
    return this.audit.list(actor, args.filter ?? {}, pageOf(args));
  }
}
