import { createHmac } from 'node:crypto';
import type { Logger } from 'pino';
import type { AlertWebhookConfig } from '../config/app-config.js';
import type { AuditEventView } from './models/audit-event.model.js';

export const SIGNATURE_HEADER = 'X-Broker-Signature';
const DELIVERY_TIMEOUT_MS = 5_000;

/** `sha256=<hex HMAC-SHA-256 of the raw body>`, as GitHub signs its webhooks. */
export function signatureOf(body: string, secret: string): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

/**
 * Posts alert events to ALERT_WEBHOOK_URL. Delivery is fire-and-forget: the request that raised
 * the alert never waits on the receiver, and a failure is logged (the event is in the audit log).
 */
export class AlertWebhook {
  constructor(
    private readonly config: AlertWebhookConfig | undefined,
    private readonly logger: Logger,
  ) {}

  send(event: AuditEventView): void {
    if (!this.config) return;
    const { url, secret } = this.config;
    const body = JSON.stringify(event);
    fetch(url, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', [SIGNATURE_HEADER]: signatureOf(body, secret) },
      body,
      signal: AbortSignal.timeout(DELIVERY_TIMEOUT_MS),
    }).then(
      (response) => {
        // Release the connection; the receiver's answer carries nothing the broker needs.
        void response.body?.cancel();
        if (!response.ok)
          this.logger.warn({ eventId: event.id, status: response.status }, 'alert webhook refused the event');
      },
      (error: unknown) => this.logger.warn({ eventId: event.id, err: error }, 'alert webhook delivery failed'),
    );
  }
}
