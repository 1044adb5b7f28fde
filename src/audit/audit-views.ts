import type { ChainedEvent } from './audit-chain.js';
import type { AuditDetailValue } from './audit-event.js';
import { AuditEventView } from './models/audit-event.model.js';

/** Mapping from stored events to the API view, shared by REST, GraphQL, export and alerts. */
export function toAuditEventView(event: ChainedEvent): AuditEventView {
  return Object.assign(new AuditEventView(), {
    id: String(event.id),
    time: event.time,
    requestId: event.requestId,
    subject: event.subject,
    action: event.action,
    outcome: event.outcome,
    namespace: event.namespace,
    name: event.name,
    version: event.version,
    matchedGrants: parseStored<string[]>(event.matchedGrants, []),
    reason: event.reason,
    sourceIp: event.sourceIp,
    userAgent: event.userAgent,
    latencyMs: event.latencyMs,
    intentId: event.intentId === null ? null : String(event.intentId),
    details: event.details === null ? null : parseStored<Record<string, AuditDetailValue> | null>(event.details, null),
    prevHash: event.prevHash,
    hash: event.hash,
  });
}

// A row altered by hand may hold invalid JSON: listing still works, and verify reports the row.
function parseStored<T>(text: string, fallback: T): T {
  try {
    return JSON.parse(text) as T;
  } catch {
    return fallback;
  }
}
