import { ConfigError } from './config-error.js';

/** Repeated denials or failed authentications that raise one `suspicious_activity` event. */
export interface SuspiciousActivityConfig {
  readonly threshold: number;
  readonly windowSeconds: number;
}

/** Where `suspicious_activity` events are POSTed, signed with HMAC-SHA-256 under `secret`. */
export interface AlertWebhookConfig {
  readonly url: string;
  readonly secret: string;
}

interface AlertEnvironment {
  readonly ALERT_WEBHOOK_URL?: string;
  readonly ALERT_WEBHOOK_SECRET?: string;
}

// An unsigned alert could be forged by anyone who can reach the receiver, so the URL needs a secret.
export function alertWebhook(values: AlertEnvironment): AlertWebhookConfig | undefined {
  if (values.ALERT_WEBHOOK_URL === undefined) return undefined;
  if (values.ALERT_WEBHOOK_SECRET === undefined) {
    throw new ConfigError('Invalid configuration: ALERT_WEBHOOK_SECRET must be set with ALERT_WEBHOOK_URL');
  }
  return Object.freeze({ url: values.ALERT_WEBHOOK_URL, secret: values.ALERT_WEBHOOK_SECRET });
}
