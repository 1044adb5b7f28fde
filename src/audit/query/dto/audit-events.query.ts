import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, IsString, MaxLength } from 'class-validator';
import { AuditEventFilter, AuditTimeRange } from './audit-event-filter.input.js';

export const DEFAULT_PAGE_SIZE = 50;
export const MAX_PAGE_SIZE = 500;

/** REST query of GET /v1/audit-events: the filters plus the page (GraphQL takes these as arguments). */
export class ListAuditEventsQuery extends AuditEventFilter {
  @ApiPropertyOptional({ description: 'nextCursor of the previous page' })
  @IsOptional()
  @IsString()
  @MaxLength(64)
  after?: string;

  @ApiPropertyOptional({ minimum: 1, maximum: MAX_PAGE_SIZE, default: DEFAULT_PAGE_SIZE })
  @IsOptional()
  @Type(() => Number)
  @IsInt({ message: 'first must be an integer' })
  first?: number;
}

/** REST query of GET /v1/audit-events/export. */
export class ExportAuditEventsQuery extends AuditTimeRange {}
