import {
  applyDecorators,
  CallHandler,
  ExecutionContext,
  NestInterceptor,
  SetMetadata,
  UseInterceptors,
} from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { type Observable, tap } from 'rxjs';

/**
 * `ETag: "<version>"` from the answer's version, so `If-Match` can send back exactly what a read
 * or write gave. The version is the entity tag: no body hashes anywhere.
 */
/** Marks a handler that sends ETag, so the OpenAPI document declares the header on its answer. */
export const SENDS_VERSION_ETAG = 'secrets-broker:sends-version-etag';

export function VersionEtag<T>(versionOf: (body: T) => number | null) {
  return applyDecorators(SetMetadata(SENDS_VERSION_ETAG, true), UseInterceptors(new VersionEtagInterceptor(versionOf)));
}

class VersionEtagInterceptor<T> implements NestInterceptor<T, T> {
  constructor(private readonly versionOf: (body: T) => number | null) {}

  intercept(context: ExecutionContext, next: CallHandler<T>): Observable<T> {
    return next.handle().pipe(
      tap((body) => {
        const version = this.versionOf(body);
        if (version !== null) context.switchToHttp().getResponse<FastifyReply>().header('ETag', `"${version}"`);
      }),
    );
  }
}

/** The version an `If-Match` names: the entity tag `"3"` that ETag gave, or the bare `3`. */
export function versionFromIfMatch(header: string | undefined): number | undefined | null {
  if (header === undefined) return undefined;
  const match = /^\s*(?:"(\d{1,9})"|(\d{1,9}))\s*$/.exec(header);
  return match ? Number(match[1] ?? match[2]) : null;
}
