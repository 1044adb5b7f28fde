import type { WebhookDeliveryEntity } from './entities/webhook-delivery.entity.js';
import type { WebhookSubscriptionEntity } from './entities/webhook-subscription.entity.js';
import { DeliveryView, WebhookView, WebhookWithSecretView } from './models/webhook.model.js';

export function toWebhookView(row: WebhookSubscriptionEntity): WebhookView {
  return Object.assign(new WebhookView(), {
    id: row.id,
    url: row.url,
    eventTypes: [...row.eventTypes],
    namespace: row.namespace,
    namePattern: row.namePattern,
    description: row.description,
    expiresAt: row.expiresAt,
    createdBy: row.createdBy,
    createdAt: row.createdAt,
    suspendedAt: row.suspendedAt,
    suspendedReason: row.suspendedReason,
  });
}

export function withSigningSecret(view: WebhookView, signingSecret: string): WebhookWithSecretView {
  return Object.assign(new WebhookWithSecretView(), view, { signingSecret });
}

export function toDeliveryView(row: WebhookDeliveryEntity): DeliveryView {
  return Object.assign(new DeliveryView(), {
    id: row.id,
    subscriptionId: row.subscriptionId,
    eventId: row.eventId,
    eventType: row.eventType,
    state: row.state,
    attempts: row.attempts,
    nextAttemptAt: row.nextAttemptAt,
    lastStatusCode: row.lastStatusCode,
    lastError: row.lastError,
    deliveredAt: row.deliveredAt,
    createdAt: row.createdAt,
    attemptLog: row.attemptLog.map((attempt) => ({ ...attempt, at: new Date(attempt.at) })),
  });
}
