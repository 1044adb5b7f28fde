import type { FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import { ANONYMOUS } from '../audit/audit-event.js';
import type { AuditService } from '../audit/audit.service.js';
import { requestIdOf } from '../common/http/request-id.js';
import { requestMetaOf } from './request-actor.js';

const BEARER = /^Bearer\s+(\S+)$/i;

/** The token of an `Authorization: Bearer …` header. */
export function bearerToken(header: string | undefined): string | undefined {
  return BEARER.exec(header ?? '')?.[1];
}

/**
 * Audits a refused authentication, over HTTP or WebSocket alike. The refusal stands even if the
 * audit write fails: refusing is already the safe answer.
 */
export async function auditFailedAuthentication(
  audit: AuditService,
  logger: Logger,
  request: FastifyRequest,
  reason: string,
): Promise<void> {
  try {
    await audit.record({
      actor: { subject: ANONYMOUS, request: requestMetaOf(request) },
      action: 'authenticate',
      outcome: 'failed',
      reason,
    });
  } catch (error) {
    logger.error({ err: error, requestId: requestIdOf(request) }, 'could not audit a failed authentication');
  }
}
