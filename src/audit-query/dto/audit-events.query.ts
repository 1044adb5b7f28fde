import { ArgsType, Field } from '@nestjs/graphql';
import { IntersectionType } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsOptional, ValidateNested } from 'class-validator';
import { PageArgs, PageQuery } from '../../common/paging/page.js';
import { AuditEventFilter, AuditTimeRange } from './audit-event-filter.input.js';

/** REST query of GET /v1/audit-events: the filters plus `limit` and `continue`. */
export class ListAuditEventsQuery extends IntersectionType(AuditEventFilter, PageQuery) {}

/** GraphQL `auditEvents(filter, first, after)`. */
@ArgsType()
export class AuditEventsArgs extends PageArgs {
  @Field(() => AuditEventFilter, { nullable: true, description: 'Only events matching every filter given' })
  @IsOptional()
  @ValidateNested()
  @Type(() => AuditEventFilter)
  filter?: AuditEventFilter;
}

/** REST query of GET /v1/audit-events/export. */
export class ExportAuditEventsQuery extends AuditTimeRange {}
