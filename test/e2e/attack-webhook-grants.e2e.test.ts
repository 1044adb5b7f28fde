import { DataSource } from 'typeorm';
import { afterEach, describe, expect, it } from 'vitest';
import {
  createNamespace,
  createRole,
  createSecret,
  createServiceAccount,
  grantRole,
  leaseRequest,
  uniqueName,
} from '../factories/index.js';
import { startFlakyReceiver, type FlakyReceiver } from '../support/flaky-receiver.js';
import { captureState, expectUnchanged } from '../support/state.js';
import { useBroker } from '../support/use-broker.js';

const DELIVERY = {
  WEBHOOK_DISPATCH_SECONDS: '0.1',
  WEBHOOK_TICK_SECONDS: '0.1',
  // The receivers of these tests listen on 127.0.0.1 over plain http://, which only development
  // behaviour accepts; the network is allowed explicitly too, as an operator would.
  NODE_ENV: 'development',
  WEBHOOK_ALLOWED_NETWORKS: '127.0.0.0/8',
  KUBERNETES_TOKEN_REVIEW: 'true',
};

interface WebhookBody {
  id: string;
  suspendedAt: string | null;
  suspendedReason: string | null;
}

describe('webhook subscriptions follow their owner’s grants at dispatch (findings 13 and 15)', () => {
  const broker = useBroker(DELIVERY);
  const receivers: FlakyReceiver[] = [];

  afterEach(async () => {
    for (const receiver of receivers.splice(0)) await receiver.close();
  });

  const receiver = async (): Promise<FlakyReceiver> => {
    const started = await startFlakyReceiver(0);
    receivers.push(started);
    return started;
  };

  // Deliveries are made only when the outbox is dispatched: once nothing is left undispatched, a
  // subscription without a delivery row can receive nothing more.
  const settle = () =>
    expect
      .poll(async () => {
        const [outbox] = await broker.app
          .get(DataSource)
          .query<Array<{ n: number | string }>>(
            'SELECT COUNT(*) AS n FROM lifecycle_events WHERE dispatched_at IS NULL',
          );
        return Number(outbox.n);
      })
      .toBe(0);

  it('suspends a subscription once its owner’s grant is deleted, and delivers nothing more', async () => {
    const namespace = await createNamespace(broker);
    const manager = uniqueName('manager');
    const role = await createRole(broker, { verbs: ['webhooks:manage', 'list'] });
    const grant = await grantRole(broker, { subject: `user:${manager}`, role: role.name, namespace });
    const hooks = await receiver();
    const webhook = (
      await broker
        .as(manager)
        .post('/v1/webhooks')
        .send({ url: hooks.url, eventTypes: ['secret.created'], namespace })
        .expect(201)
    ).body as WebhookBody;
    await createSecret(broker, namespace);
    await hooks.waitFor(1);

    await broker.as('admin').delete(`/v1/grants/${grant.id}`).expect(200);
    await createSecret(broker, namespace);
    await settle();
    expect(hooks.requests).toHaveLength(1);
    const shown = (await broker.as('admin').get(`/v1/webhooks/${webhook.id}`).expect(200)).body as WebhookBody;
    expect(shown.suspendedAt).not.toBeNull();
    expect(shown.suspendedReason).toMatch(/no longer give webhooks:manage and list/);
    const audited = await broker.app
      .get(DataSource)
      .query<Array<{ subject: string }>>(
        `SELECT subject FROM audit_events WHERE reason LIKE 'subscription suspended:%' AND namespace = '${namespace}'`,
      );
    expect(audited).toEqual([{ subject: 'system:webhook-dispatcher' }]);

    // Granted again, it stays suspended: what the owner subscribed to under the old grant is over.
    await grantRole(broker, { subject: `user:${manager}`, role: role.name, namespace });
    const before = await captureState(broker);
    await createSecret(broker, namespace);
    await settle();
    expect(hooks.requests).toHaveLength(1);
    expect(
      await broker.app
        .get(DataSource)
        .query(`SELECT id FROM webhook_deliveries WHERE subscription_id = '${webhook.id}' AND state = 'pending'`),
    ).toEqual([]);
    expect(before.tables.webhook_subscriptions).toEqual((await captureState(broker)).tables.webhook_subscriptions);
  });

  it('sends lease events only to subscribers who could see the lease in GET /v1/leases', async () => {
    const namespace = await createNamespace(broker);
    await createServiceAccount(broker.emulator, namespace, 'billing');
    const watcher = uniqueName('watcher');
    const leaser = uniqueName('leaser');
    // Lists every secret name of the namespace, "billing" included, but may not see leases there.
    const lists = await createRole(broker, { verbs: ['webhooks:manage', 'list'] });
    await grantRole(broker, { subject: `user:${watcher}`, role: lists.name, namespace });
    const leases = await createRole(broker, { verbs: ['lease', 'webhooks:manage', 'list'] });
    await grantRole(broker, { subject: `user:${leaser}`, role: leases.name, namespace, namePattern: 'billing' });
    const watcherHooks = await receiver();
    const leaserHooks = await receiver();
    const adminHooks = await receiver();
    const subscribe = (subject: string, url: string, namePattern = '*') =>
      broker
        .as(subject)
        .post('/v1/webhooks')
        .send({ url, eventTypes: ['lease.created', 'lease.revoked'], namespace, namePattern })
        .expect(201);
    await subscribe(watcher, watcherHooks.url);
    await subscribe(leaser, leaserHooks.url, 'billing');
    await subscribe('admin', adminHooks.url);

    const issued = (await leaseRequest(broker, leaser, namespace, 'billing').send({ ttlSeconds: 600 }).expect(201))
      .body as { lease: { id: string } };
    await broker.as(leaser).delete(`/v1/leases/${issued.lease.id}`).expect(200);
    await adminHooks.waitFor(2);
    await leaserHooks.waitFor(2);
    await settle();
    expect(watcherHooks.requests).toHaveLength(0);
    // The watcher sees no such lease in the API either: the same rule.
    const listed = (
      await broker
        .as(watcher)
        .get('/v1/leases')
        .expect((response) => [200, 403].includes(response.status))
    ).body as { items?: unknown[] };
    expect(listed.items ?? []).toEqual([]);
    const before = await captureState(broker);
    await broker
      .as(watcher)
      .get(`/v1/leases/${issued.lease.id}`)
      .expect((response) => [403, 404].includes(response.status));
    await expectUnchanged(broker, before);
  });
});
