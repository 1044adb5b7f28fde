import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

export const REQUEST_ID_HEADER = 'x-request-id';
// Echo only ids that are safe to put in logs and headers.
const ACCEPTABLE_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** Fastify's `genReqId`: a well-formed incoming X-Request-Id is reused, otherwise a fresh one. */
export function requestIdFor(request: IncomingMessage): string {
  const incoming = request.headers[REQUEST_ID_HEADER];
  return typeof incoming === 'string' && ACCEPTABLE_REQUEST_ID.test(incoming) ? incoming : randomUUID();
}

/** The id Fastify gave the request (`request.id`). */
export function requestIdOf(request: { readonly id?: unknown }): string {
  return typeof request.id === 'string' ? request.id : 'unknown';
}
