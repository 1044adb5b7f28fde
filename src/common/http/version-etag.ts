import { applyDecorators, SetMetadata } from '@nestjs/common';
import { RouteConfig } from '@nestjs/platform-fastify';
import type { FastifyReply, FastifyRequest } from 'fastify';

/**
 * `ETag: "<version>"` from the answer's version, so `If-Match` can send back exactly what a read
 * or write gave. The version is the entity tag: no body hashes anywhere.
 */
/** Marks a handler that sends ETag, so the OpenAPI document declares the header on its answer. */
export const SENDS_VERSION_ETAG = 'secrets-broker:sends-version-etag';

interface VersionEtagConfig {
  readonly versionOf?: (body: unknown) => number | null;
}

/**
 * The version travels in the Fastify route's config and `sendVersionEtag` (a preSerialization
 * hook) reads it: on the read path a hook costs a property lookup, where an interceptor would
 * cost an rxjs pipeline per request.
 */
export function VersionEtag<T>(versionOf: (body: T) => number | null) {
  return applyDecorators(SetMetadata(SENDS_VERSION_ETAG, true), RouteConfig({ versionOf }));
}

/** Fastify preSerialization hook: the ETag of a successful answer from a VersionEtag route. */
export function sendVersionEtag(
  request: FastifyRequest,
  reply: FastifyReply,
  payload: unknown,
  done: (error: null, payload: unknown) => void,
): void {
  const { versionOf } = request.routeOptions.config as VersionEtagConfig;
  if (versionOf !== undefined && reply.statusCode < 300) {
    const version = versionOf(payload);
    if (version !== null) reply.header('ETag', `"${version}"`);
  }
  done(null, payload);
}

/** The version an `If-Match` names: the entity tag `"3"` that ETag gave, or the bare `3`. */
export function versionFromIfMatch(header: string | undefined): number | undefined | null {
  if (header === undefined) return undefined;
  const match = /^\s*(?:"(\d{1,9})"|(\d{1,9}))\s*$/.exec(header);
  return match ? Number(match[1] ?? match[2]) : null;
}
