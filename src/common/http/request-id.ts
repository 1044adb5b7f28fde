import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';

export const REQUEST_ID_HEADER = 'x-request-id';
// Echo only ids that are safe to put in logs and headers.
const ACCEPTABLE_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** Reuses a well-formed incoming X-Request-Id, otherwise generates one; echoes it back. */
export function assignRequestId(request: IncomingMessage, response: ServerResponse): string {
  const incoming = request.headers[REQUEST_ID_HEADER];
  const requestId = typeof incoming === 'string' && ACCEPTABLE_REQUEST_ID.test(incoming) ? incoming : randomUUID();
  (request as IncomingMessage & { id?: string }).id = requestId;
  response.setHeader('X-Request-Id', requestId);
  return requestId;
}

export function requestIdOf(request: IncomingMessage): string {
  return String((request as IncomingMessage & { id?: string }).id ?? 'unknown');
}
