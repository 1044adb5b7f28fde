import { ArgsType, Field, Int } from '@nestjs/graphql';
import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, IsString, Max, MaxLength, Min } from 'class-validator';

export const DEFAULT_PAGE_SIZE = 100;
export const MAX_PAGE_SIZE = 500;
const MAX_CURSOR_LENGTH = 4096;

/** Which page of a listing a caller asked for, whichever transport it came by. */
export interface PageRequest {
  readonly size: number;
  /** The opaque cursor of the previous page; none for the first page. */
  readonly cursor: string | undefined;
}

/** REST paging: `limit` and `continue` (the previous page's `continue`), validated here once. */
export class PageQuery {
  @ApiPropertyOptional({
    type: 'integer',
    minimum: 1,
    maximum: MAX_PAGE_SIZE,
    default: DEFAULT_PAGE_SIZE,
    description: 'Items per page',
  })
  @IsOptional()
  @Type(() => Number)
  @IsInt({ message: 'limit must be an integer' })
  @Min(1)
  @Max(MAX_PAGE_SIZE)
  limit?: number;

  @ApiPropertyOptional({ description: 'The `continue` of the previous page (opaque)', maxLength: MAX_CURSOR_LENGTH })
  @IsOptional()
  @IsString()
  @MaxLength(MAX_CURSOR_LENGTH)
  continue?: string;
}

/** GraphQL paging: `first` and `after` (the previous page's `continue`), validated here once. */
@ArgsType()
export class PageArgs {
  @Field(() => Int, {
    nullable: true,
    description: `Items per page (1–${MAX_PAGE_SIZE}, default ${DEFAULT_PAGE_SIZE})`,
  })
  @IsOptional()
  @IsInt({ message: 'first must be an integer' })
  @Min(1)
  @Max(MAX_PAGE_SIZE)
  first?: number;

  @Field(() => String, { nullable: true, description: 'The `continue` of the previous page (opaque)' })
  @IsOptional()
  @IsString()
  @MaxLength(MAX_CURSOR_LENGTH)
  after?: string;
}

export function pageOf(query: PageQuery | PageArgs): PageRequest {
  if (query instanceof PageArgs) return { size: query.first ?? DEFAULT_PAGE_SIZE, cursor: query.after ?? undefined };
  return { size: query.limit ?? DEFAULT_PAGE_SIZE, cursor: query.continue };
}
