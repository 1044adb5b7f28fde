import type { FastifyRequest } from 'fastify';
import { GROUP_PREFIX, type Actor, type RequestMeta } from '../common/actor.js';
import { requestIdOf } from '../common/http/request-id.js';
import { sourceAddressOf } from '../common/http/source-address.js';

/** Where a request came from, as the audit trail records it. */
export function requestMetaOf(request: FastifyRequest): RequestMeta {
  return {
    requestId: requestIdOf(request),
    sourceIp: sourceAddressOf(request),
    userAgent: request.headers['user-agent'],
  };
}

/** The actor for an authenticated principal: its subject, then one `group:<name>` per group. */
export function actorOf(subject: string, groups: readonly string[], request: FastifyRequest): Actor {
  return {
    subject,
    subjects: [subject, ...groups.map((group) => `${GROUP_PREFIX}${group}`)],
    request: requestMetaOf(request),
  };
}
