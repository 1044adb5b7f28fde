import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { DestinationPolicy } from './destination-policy.js';

/** What one attempt came to: the receiver's status, or a failure class. */
export interface AttemptResult {
  readonly statusCode: number | null;
  readonly error: string | null;
}

/**
 * Failure classes, the only words a delivery log uses for an attempt that got no answer. Socket
 * messages (refused, reset, certificate names, protocol errors) would tell the subscriber which
 * ports and services exist where the broker runs; a class tells them only that it failed.
 */
export const DeliveryFailure = {
  NotAllowed: 'destination not allowed',
  NotResolved: 'name not resolved',
  ConnectionFailed: 'connection failed',
  TimedOut: 'timed out',
} as const;

export interface WebhookRequest {
  readonly url: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
  readonly timeoutMs: number;
  /** Aborts the attempt (the broker is shutting down). */
  readonly signal: AbortSignal;
}

/**
 * POSTs a delivery without following redirects. The destination is checked by `policy` before
 * any connection: an IP literal directly, a name on each address it resolves to at connect time.
 * A fresh connection per attempt, so every attempt is checked.
 */
export async function postWebhook(policy: DestinationPolicy, request: WebhookRequest): Promise<AttemptResult> {
  if (!policy.allowsLiteral(request.url)) return { statusCode: null, error: DeliveryFailure.NotAllowed };
  const url = new URL(request.url);
  const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
  try {
    const response = await new Promise<IncomingMessage>((resolve, reject) => {
      const outgoing = send(url, {
        method: 'POST',
        agent: false,
        lookup: policy.lookup,
        signal: AbortSignal.any([AbortSignal.timeout(request.timeoutMs), request.signal]),
        headers: { ...request.headers, 'content-length': String(Buffer.byteLength(request.body)) },
      });
      outgoing.once('response', resolve);
      outgoing.once('error', reject);
      outgoing.end(request.body);
    });
    // The answer's body is of no use; release the connection.
    response.destroy();
    const status = response.statusCode ?? 0;
    if (status >= 200 && status < 300) return { statusCode: status, error: null };
    const error = status >= 300 && status < 400 ? `redirect (${status}) not followed` : `answered ${status}`;
    return { statusCode: status, error };
  } catch (error) {
    return { statusCode: null, error: failureClassOf(error) };
  }
}

function failureClassOf(error: unknown): string {
  const failure = error as { name?: unknown; code?: unknown };
  if (failure.name === 'TimeoutError' || failure.name === 'AbortError') return DeliveryFailure.TimedOut;
  if (failure.code === 'EDESTINATIONREFUSED') return DeliveryFailure.NotAllowed;
  if (failure.code === 'ENOTFOUND' || failure.code === 'EAI_AGAIN') return DeliveryFailure.NotResolved;
  return DeliveryFailure.ConnectionFailed;
}
