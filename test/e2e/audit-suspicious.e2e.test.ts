import { createHmac, timingSafeEqual } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import type { AuditEventInput } from '../../src/audit/audit-event.js';
import { AuditService } from '../../src/audit/audit.service.js';
import { metricValue } from '../support/metrics.js';
import { useBroker } from '../support/use-broker.js';
import { useWebhookReceiver, type WebhookDelivery } from '../support/webhook-receiver.js';

const WEBHOOK_SECRET = 'webhook-test-secret-0123456789';

async function until(condition: () => boolean, timeoutMs = 3_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

const denial = (subject: string, sourceIp: string): AuditEventInput => ({
  actor: { subject, request: { requestId: `req-${Math.random()}`, sourceIp, userAgent: 'e2e' } },
  action: 'read',
  outcome: 'denied',
  target: { namespace: 'team-a', name: 'db-main' },
  reason: 'no grant gives read on team-a/db-main',
});

describe('suspicious activity', () => {
  const receiver = useWebhookReceiver();
  const broker = useBroker(() => ({ ALERT_WEBHOOK_URL: receiver.url, ALERT_WEBHOOK_SECRET: WEBHOOK_SECRET }));
  let audit: AuditService;

  beforeAll(() => {
    audit = broker.app.get(AuditService);
  });

  const suspiciousEvents = async (subject?: string) =>
    (
      await broker
        .as('admin')
        .get('/v1/audit-events')
        .query({ verb: 'suspicious_activity', ...(subject ? { subject } : {}) })
        .expect(200)
    ).body.items as Array<Record<string, unknown>>;
  const deliveriesFor = (subject: string): WebhookDelivery[] =>
    receiver.deliveries.filter((delivery) => JSON.parse(delivery.body).subject === subject);
  it('raises one event and one signed webhook for a burst of denials from one subject', async () => {
    const totalBefore = await metricValue(broker, 'suspicious_activity_total');
    for (let index = 0; index < 4; index++) await audit.record(denial('user:mallory', '192.0.2.10'));
    expect(await suspiciousEvents('user:mallory')).toEqual([]);
    await audit.record(denial('user:mallory', '192.0.2.10'));
    for (let index = 0; index < 4; index++) await audit.record(denial('user:mallory', '192.0.2.10'));

    const events = await suspiciousEvents('user:mallory');
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      subject: 'user:mallory',
      outcome: 'denied',
      namespace: null,
      sourceIp: '192.0.2.10',
    });
    expect(events[0].details).toEqual({ by: 'subject', count: 5, windowSeconds: 60 });

    await until(() => deliveriesFor('user:mallory').length >= 1);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(deliveriesFor('user:mallory')).toHaveLength(1);
    const [delivery] = deliveriesFor('user:mallory');
    expect(delivery.headers['content-type']).toBe('application/json');
    const expected = Buffer.from(`sha256=${createHmac('sha256', WEBHOOK_SECRET).update(delivery.body).digest('hex')}`);
    const signature = Buffer.from(String(delivery.headers['x-broker-signature']));
    expect(signature.length === expected.length && timingSafeEqual(signature, expected)).toBe(true);
    expect(JSON.parse(delivery.body)).toMatchObject({
      id: events[0].id,
      action: 'suspicious_activity',
      hash: events[0].hash,
    });

    expect(await metricValue(broker, 'suspicious_activity_total')).toBe(totalBefore + 1);
  });

  it('counts failed authentications by source address', async () => {
    const failed: AuditEventInput = {
      actor: { subject: 'anonymous', request: { requestId: 'r', sourceIp: '198.51.100.7', userAgent: undefined } },
      action: 'authenticate',
      outcome: 'failed',
      reason: 'invalid signature',
    };
    for (let index = 0; index < 5; index++) await audit.record(failed);
    const events = await suspiciousEvents('anonymous');
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      subject: 'anonymous',
      sourceIp: '198.51.100.7',
      details: { by: 'sourceIp', count: 5, windowSeconds: 60 },
    });
    await until(() => deliveriesFor('anonymous').length >= 1);
  });

  it('ignores allowed events and isolated denials', async () => {
    const before = (await suspiciousEvents()).length;
    for (let index = 0; index < 6; index++) {
      await audit.record({ ...denial(`user:u${index}`, `203.0.113.${index}`) });
      await audit.record({ ...denial('user:fine', '203.0.113.200'), outcome: 'allowed' });
    }
    expect(await suspiciousEvents()).toHaveLength(before);
  });
});
