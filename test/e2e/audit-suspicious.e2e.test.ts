import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuditEventInput } from '../../src/audit/audit-event.js';
import { AuditService } from '../../src/audit/audit.service.js';
import { startBroker, type TestBroker } from '../support/broker.js';

const WEBHOOK_SECRET = 'webhook-test-secret-0123456789';

interface Delivery {
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}

/** A local alert receiver that keeps every delivery. */
async function startReceiver(): Promise<{ url: string; deliveries: Delivery[]; close(): Promise<void> }> {
  const deliveries: Delivery[] = [];
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      deliveries.push({ headers: request.headers, body: Buffer.concat(chunks).toString('utf8') });
      response.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/alerts`,
    deliveries,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

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
  let broker: TestBroker;
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  let audit: AuditService;

  beforeAll(async () => {
    receiver = await startReceiver();
    broker = await startBroker({ ALERT_WEBHOOK_URL: receiver.url, ALERT_WEBHOOK_SECRET: WEBHOOK_SECRET });
    audit = broker.app.get(AuditService);
  });
  afterAll(async () => {
    await broker?.close();
    await receiver?.close();
  });

  const suspiciousEvents = async () =>
    (await broker.as('admin').get('/v1/audit-events').query({ verb: 'suspicious_activity' }).expect(200)).body
      .items as Array<Record<string, unknown>>;

  it('raises one event and one signed webhook for a burst of denials from one subject', async () => {
    for (let index = 0; index < 4; index++) await audit.record(denial('user:mallory', '192.0.2.10'));
    expect(await suspiciousEvents()).toEqual([]);
    await audit.record(denial('user:mallory', '192.0.2.10'));
    for (let index = 0; index < 4; index++) await audit.record(denial('user:mallory', '192.0.2.10'));

    const events = await suspiciousEvents();
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      subject: 'user:mallory',
      outcome: 'denied',
      namespace: null,
      sourceIp: '192.0.2.10',
    });
    expect(events[0].details).toEqual({ by: 'subject', count: 5, windowSeconds: 60 });

    await until(() => receiver.deliveries.length >= 1);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(receiver.deliveries).toHaveLength(1);
    const [delivery] = receiver.deliveries;
    expect(delivery.headers['content-type']).toBe('application/json');
    const expected = Buffer.from(`sha256=${createHmac('sha256', WEBHOOK_SECRET).update(delivery.body).digest('hex')}`);
    const signature = Buffer.from(String(delivery.headers['x-broker-signature']));
    expect(signature.length === expected.length && timingSafeEqual(signature, expected)).toBe(true);
    expect(JSON.parse(delivery.body)).toMatchObject({
      id: events[0].id,
      action: 'suspicious_activity',
      hash: events[0].hash,
    });

    const metrics = (await broker.http().get('/metrics').expect(200)).text;
    expect(metrics).toMatch(/^suspicious_activity_total 1$/m);
  });

  it('counts failed authentications by source address', async () => {
    const failed: AuditEventInput = {
      actor: { subject: 'anonymous', request: { requestId: 'r', sourceIp: '198.51.100.7', userAgent: undefined } },
      action: 'authenticate',
      outcome: 'failed',
      reason: 'invalid signature',
    };
    for (let index = 0; index < 5; index++) await audit.record(failed);
    const events = await suspiciousEvents();
    expect(events).toHaveLength(2);
    expect(events[0]).toMatchObject({
      subject: 'anonymous',
      sourceIp: '198.51.100.7',
      details: { by: 'sourceIp', count: 5, windowSeconds: 60 },
    });
    await until(() => receiver.deliveries.length >= 2);
  });

  it('ignores allowed events and isolated denials', async () => {
    for (let index = 0; index < 6; index++) {
      await audit.record({ ...denial(`user:u${index}`, `203.0.113.${index}`) });
      await audit.record({ ...denial('user:fine', '203.0.113.200'), outcome: 'allowed' });
    }
    expect(await suspiciousEvents()).toHaveLength(2);
  });
});
