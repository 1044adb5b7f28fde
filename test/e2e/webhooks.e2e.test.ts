import { randomUUID } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import { DataSource, In, IsNull } from 'typeorm';
import { LifecycleEventEntity } from '../../src/webhooks/entities/lifecycle-event.entity.js';
import { afterEach, describe, expect, it } from 'vitest';
import { createNamespace, createSecret, gql, graphql, secretsPath } from '../factories/index.js';
import { RotationPolicyWebhooks1765200100000 } from '../../migrations/1765200100000-rotation-policy-webhooks.js';
import { SecretRecordEntity } from '../../src/secrets/entities/secret-record.entity.js';
import type { RotationPolicy } from '../../src/secrets/rotation-policy.js';
import { WebhookSubscriptionEntity } from '../../src/webhooks/entities/webhook-subscription.entity.js';
import { startFlakyReceiver, type FlakyReceiver } from '../support/flaky-receiver.js';
import { useBroker } from '../support/use-broker.js';

interface WebhookBody {
  id: string;
  url: string;
  eventTypes: string[];
  namespace: string;
  namePattern: string;
  signingSecret?: string;
}

interface DeliveryBody {
  id: string;
  eventId: string;
  eventType: string;
  state: string;
  attempts: number;
  nextAttemptAt: string | null;
  lastStatusCode: number | null;
  attemptLog: Array<{ statusCode: number | null; error: string | null }>;
}

const WEBHOOK_DELIVERIES = gql<
  { webhookDeliveries: { items: Array<{ eventType: string; state: string }>; continue: string | null } },
  { id: string; first?: number }
>(
  'query Deliveries($id: ID!, $first: Int) { webhookDeliveries(id: $id, first: $first) { items { eventType state } continue } }',
);

// The receivers are plain http:// on this machine, which only development behaviour accepts;
// production (any other NODE_ENV) refuses them: test/e2e/production-defaults.e2e.test.ts.
const FAST_DELIVERY = {
  NODE_ENV: 'development',
  WEBHOOK_DISPATCH_SECONDS: '0.1',
  WEBHOOK_TICK_SECONDS: '0.1',
  WEBHOOK_RETRY_BASE_SECONDS: '0.2',
  WEBHOOK_TIMEOUT_SECONDS: '2',
};

describe('lifecycle webhooks', () => {
  const broker = useBroker(FAST_DELIVERY);
  let receiver: FlakyReceiver | undefined;

  afterEach(async () => {
    await receiver?.close();
    receiver = undefined;
  });

  const subscribe = async (body: Record<string, unknown>, as = 'admin'): Promise<WebhookBody> =>
    (await broker.as(as).post('/v1/webhooks').send(body).expect(201)).body as WebhookBody;

  it('delivers a rotation at least once: three failures, a restart, the fourth try signed and value-free', async () => {
    receiver = await startFlakyReceiver(3);
    const namespace = await createNamespace(broker);
    const created = await createSecret(broker, namespace, {
      name: 'db-main',
      data: { password: 'created-value-canary' },
    });
    const webhook = await subscribe({
      url: receiver.url,
      eventTypes: ['secret.rotated'],
      namespace,
      namePattern: 'db-*',
    });
    expect(webhook.signingSecret).toMatch(/^whsec_/);
    // The secret is shown once: reading the subscription again does not return it.
    const shown = await broker.as('admin').get(`/v1/webhooks/${webhook.id}`).expect(200);
    expect(shown.body).not.toHaveProperty('signingSecret');

    const rotated = await broker
      .as('admin')
      .post(`${secretsPath(namespace, 'db-main')}/rotate`)
      .send({ generate: { password: { type: 'password' } }, reason: 'scheduled' })
      .expect(200);
    await receiver.waitFor(1);
    await broker.restart();
    await receiver.waitFor(4);

    const attempts = receiver.requests;
    expect(attempts.map((request) => request.answered)).toEqual([500, 500, 500, 204]);
    const eventIds = new Set(attempts.map((request) => request.headers['webhook-id']));
    expect(eventIds.size).toBe(1);
    const verifier = new Webhook(webhook.signingSecret as string);
    for (const request of attempts) {
      expect(verifier.verify(request.body, request.headers as Record<string, string>)).toMatchObject({
        type: 'secret.rotated',
        data: { namespace, name: 'db-main', version: rotated.body.version.version, subject: 'user:admin' },
      });
    }
    expect(() =>
      new Webhook(`whsec_${Buffer.alloc(32, 1).toString('base64')}`).verify(
        attempts[0].body,
        attempts[0].headers as Record<string, string>,
      ),
    ).toThrow();

    const values = await broker
      .as('admin')
      .post(`${secretsPath(namespace, 'db-main')}/request`)
      .send({})
      .expect(200);
    const secretValues = [
      'created-value-canary',
      ...(values.body.values as Array<{ value: string }>).map((entry) => entry.value),
    ];
    expect(created.version.version).toBe(1);
    for (const request of attempts) for (const value of secretValues) expect(request.body).not.toContain(value);

    await expect.poll(async () => (await deliveriesOf(webhook.id))[0]?.state).toBe('delivered');
    const [delivery] = await deliveriesOf(webhook.id);
    expect(delivery).toMatchObject({
      eventType: 'secret.rotated',
      attempts: 4,
      lastStatusCode: 204,
      nextAttemptAt: null,
    });
    expect(delivery.eventId).toBe([...eventIds][0]);
    expect(delivery.attemptLog.map((attempt) => attempt.statusCode)).toEqual([500, 500, 500, 204]);
    const metrics = (await broker.http().get('/metrics').expect(200)).text;
    expect(metrics).toMatch(/webhook_delivery_attempts_total\{result="delivered"\} [1-9]/);
  });

  it('redelivers on request, with the same webhook-id', async () => {
    receiver = await startFlakyReceiver(0);
    const namespace = await createNamespace(broker);
    const webhook = await subscribe({ url: receiver.url, eventTypes: ['secret.created'], namespace });
    await createSecret(broker, namespace);
    await receiver.waitFor(1);
    await expect.poll(async () => (await deliveriesOf(webhook.id))[0]?.state).toBe('delivered');
    const [delivery] = await deliveriesOf(webhook.id);
    await broker.as('admin').post(`/v1/webhooks/${webhook.id}/deliveries/${delivery.id}/redeliver`).expect(202);
    await receiver.waitFor(2);
    expect(receiver.requests[1].headers['webhook-id']).toBe(receiver.requests[0].headers['webhook-id']);
    await expect.poll(async () => (await deliveriesOf(webhook.id))[0]?.state).toBe('delivered');
  });

  it('lists the delivery log through GraphQL webhookDeliveries, paged', async () => {
    receiver = await startFlakyReceiver(0);
    const namespace = await createNamespace(broker);
    const webhook = await subscribe({ url: receiver.url, eventTypes: ['secret.created'], namespace });
    await createSecret(broker, namespace);
    await createSecret(broker, namespace);
    await receiver.waitFor(2);
    const first = await graphql(broker, 'admin', WEBHOOK_DELIVERIES, { id: webhook.id, first: 1 });
    expect(first.errors).toBeUndefined();
    expect(first.data?.webhookDeliveries.items).toEqual([{ eventType: 'secret.created', state: expect.any(String) }]);
    expect(first.data?.webhookDeliveries.continue).toEqual(expect.any(String));
    const all = await graphql(broker, 'admin', WEBHOOK_DELIVERIES, { id: webhook.id });
    expect(all.data?.webhookDeliveries.items).toHaveLength(2);
    const invalid = await graphql(broker, 'admin', WEBHOOK_DELIVERIES, { id: 'not-a-uuid' });
    expect(invalid.errors?.[0]?.message).toMatch(/id must be a UUID/);
  });

  it('lists deliveries newest first, even within one second (timestamps in milliseconds on both databases)', async () => {
    receiver = await startFlakyReceiver(0);
    const namespace = await createNamespace(broker);
    const webhook = await subscribe({ url: receiver.url, eventTypes: ['secret.created', 'secret.rotated'], namespace });
    const secret = await createSecret(broker, namespace);
    await expect.poll(async () => (await deliveriesOf(webhook.id)).length).toBe(1);
    await broker
      .as('admin')
      .post(`${secretsPath(namespace, secret.secret.name)}/rotate`)
      .expect(200);
    await expect.poll(async () => (await deliveriesOf(webhook.id)).length).toBe(2);
    expect((await deliveriesOf(webhook.id)).map((delivery) => delivery.eventType)).toEqual([
      'secret.rotated',
      'secret.created',
    ]);
    const stored = await broker.app
      .get(DataSource)
      .query<{ created_at: string | Date }[]>('SELECT created_at FROM webhook_deliveries');
    for (const { created_at: createdAt } of stored) {
      if (typeof createdAt === 'string') expect(createdAt).toMatch(/\.\d{3}$/);
    }
  });

  it('sends only what the filter asks for: event type, namespace and name pattern', async () => {
    receiver = await startFlakyReceiver(0);
    const namespace = await createNamespace(broker);
    const other = await createNamespace(broker);
    const webhook = await subscribe({
      url: receiver.url,
      eventTypes: ['secret.revoked'],
      namespace,
      namePattern: 'db-*',
    });
    await createSecret(broker, namespace, { name: 'api-key' });
    await createSecret(broker, namespace, { name: 'db-one' });
    await createSecret(broker, other, { name: 'db-one' });
    for (const [ns, name] of [
      [namespace, 'api-key'],
      [other, 'db-one'],
      [namespace, 'db-one'],
    ]) {
      await broker
        .as('admin')
        .post(`${secretsPath(ns, name)}/revoke`)
        .send({ reason: 'test' })
        .expect(200);
    }
    await receiver.waitFor(1);
    // Every event of both namespaces has been dispatched, and made one delivery, delivered: no more will come.
    const undispatched = () =>
      broker.app
        .get(DataSource)
        .getRepository(LifecycleEventEntity)
        .countBy({ namespace: In([namespace, other]), dispatchedAt: IsNull() });
    await expect.poll(undispatched).toBe(0);
    await expect
      .poll(async () => (await deliveriesOf(webhook.id)).map((delivery) => delivery.state))
      .toEqual(['delivered']);
    expect(receiver.requests.map((request) => JSON.parse(request.body) as { type: string; data: object })).toEqual([
      expect.objectContaining({ type: 'secret.revoked', data: expect.objectContaining({ namespace, name: 'db-one' }) }),
    ]);
  });

  it('refuses plain http to anything but loopback, and credentials in the URL (422)', async () => {
    const namespace = await createNamespace(broker);
    for (const url of [
      'http://hooks.example.com/x',
      'https://user:pw@hooks.example.com/x',
      'ftp://hooks.example.com/',
    ]) {
      await broker
        .as('admin')
        .post('/v1/webhooks')
        .send({ url, eventTypes: ['secret.created'], namespace })
        .expect(422);
    }
    await broker
      .as('admin')
      .post('/v1/webhooks')
      .send({ url: 'https://hooks.example.com/x', eventTypes: ['secret.exploded'], namespace })
      .expect(400);
  });

  it('rotates the signing secret: the new one signs, shown once', async () => {
    receiver = await startFlakyReceiver(0);
    const namespace = await createNamespace(broker);
    const webhook = await subscribe({ url: receiver.url, eventTypes: ['secret.created'], namespace });
    const rotated = await broker.as('admin').post(`/v1/webhooks/${webhook.id}/signing-secret`).expect(200);
    const secret = rotated.body.signingSecret as string;
    expect(secret).not.toBe(webhook.signingSecret);
    await createSecret(broker, namespace);
    await receiver.waitFor(1);
    const [request] = receiver.requests;
    expect(() => new Webhook(secret).verify(request.body, request.headers as Record<string, string>)).not.toThrow();
    // Sealed at rest, and never logged.
    const rows = await broker.app.get(DataSource).query<unknown[]>('SELECT * FROM webhook_subscriptions');
    const stored = JSON.stringify(rows);
    for (const shown of [secret, webhook.signingSecret as string]) {
      expect(stored).not.toContain(shown.slice('whsec_'.length));
      expect(broker.logLines.join('\n')).not.toContain(shown.slice('whsec_'.length));
    }
  });

  it('refuses the retired rotationPolicy.webhooks with a pointer to subscriptions (422)', async () => {
    const namespace = await createNamespace(broker);
    const response = await broker
      .as('admin')
      .post(secretsPath(namespace))
      .send({
        name: 'db-main',
        generate: { password: { type: 'password' } },
        rotationPolicy: { webhooks: ['https://hooks.example.com/x'] },
      })
      .expect(422);
    expect(response.body.detail).toMatch(/POST \/v1\/webhooks/);
  });

  const deliveriesOf = async (id: string): Promise<DeliveryBody[]> =>
    (await broker.as('admin').get(`/v1/webhooks/${id}/deliveries`).expect(200)).body.items as DeliveryBody[];
});

describe('the migration of rotation-policy webhooks', () => {
  const broker = useBroker(FAST_DELIVERY);

  it('makes one subscription per (secret, URL), strips the field, and the broker seals a signing secret', async () => {
    const dataSource = broker.app.get(DataSource);
    const id = randomUUID();
    await dataSource.getRepository(SecretRecordEntity).insert({
      id,
      namespace: 'team-legacy',
      name: 'db-legacy',
      state: 'active',
      type: 'Opaque',
      currentVersion: 1,
      rotationPolicy: {
        generators: { password: { type: 'password', length: 32 } },
        webhooks: ['https://hooks.example.com/a', 'https://hooks.example.com/b', 'https://hooks.example.com/a'],
      } as unknown as RotationPolicy,
      revokedAt: null,
      revokedBy: null,
      revokeReason: null,
    });
    const runner = dataSource.createQueryRunner();
    try {
      await new RotationPolicyWebhooks1765200100000().up(runner);
    } finally {
      await runner.release();
    }
    const record = await dataSource.getRepository(SecretRecordEntity).findOneByOrFail({ id });
    expect(record.rotationPolicy).toEqual({ generators: { password: { type: 'password', length: 32 } } });
    const migrated = await dataSource
      .getRepository(WebhookSubscriptionEntity)
      .findBy({ namespace: 'team-legacy', namePattern: 'db-legacy' });
    expect(migrated.map((subscription) => subscription.url).sort()).toEqual([
      'https://hooks.example.com/a',
      'https://hooks.example.com/b',
    ]);
    expect(migrated.every((subscription) => subscription.signingSecret === null)).toBe(true);
    expect(migrated[0]).toMatchObject({
      createdBy: 'system:migration',
      eventTypes: expect.arrayContaining(['secret.rotated']),
    });

    await broker.restart();
    const sealed = await broker.app
      .get(DataSource)
      .getRepository(WebhookSubscriptionEntity)
      .findBy({ namespace: 'team-legacy' });
    expect(sealed.every((subscription) => subscription.signingSecret !== null)).toBe(true);
    const rotated = await broker.as('admin').post(`/v1/webhooks/${migrated[0].id}/signing-secret`).expect(200);
    expect(rotated.body.signingSecret).toMatch(/^whsec_/);
  });
});
