import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createNamespace, secretsPath } from '../factories/index.js';
import { postgresBaseUrl } from '../support/database.js';
import { startFlakyReceiver, type FlakyReceiver } from '../support/flaky-receiver.js';
import { startReplica, timeUntil, type Replica } from '../support/replica.js';
import { tokenFor } from '../support/tokens.js';
import { useBroker } from '../support/use-broker.js';

/** Two replicas on one PostgreSQL database: each event is dispatched and delivered once, and seen live on both. */
describe.skipIf(!postgresBaseUrl())('lifecycle events across replicas (postgres)', () => {
  const broker = useBroker({
    // The receiver is plain http:// on this machine: accepted in development behaviour only.
    NODE_ENV: 'development',
    WEBHOOK_DISPATCH_SECONDS: '0.05',
    WEBHOOK_TICK_SECONDS: '0.1',
    WEBHOOK_RETRY_BASE_SECONDS: '0.2',
  });
  let replica: Replica;
  let receiver: FlakyReceiver;
  let client: Client | undefined;

  beforeAll(async () => {
    replica = await startReplica(broker);
    receiver = await startFlakyReceiver(0);
  });

  afterAll(async () => {
    void client?.dispose();
    await replica?.close();
    await receiver?.close();
  });

  it('delivers every event exactly once although both replicas dispatch and send', async () => {
    const namespace = await createNamespace(broker);
    await broker
      .as('admin')
      .post('/v1/webhooks')
      .send({ url: receiver.url, eventTypes: ['secret.created'], namespace })
      .expect(201);
    const count = 20;
    await Promise.all(
      Array.from({ length: count }, (_, index) =>
        (index % 2 === 0 ? broker.as('admin') : replica.as('admin'))
          .post(secretsPath(namespace))
          .send({ name: `db-${index}`, generate: { password: { type: 'password' } } })
          .expect(201),
      ),
    );
    await receiver.waitFor(count);
    // Time for any duplicate to arrive.
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    const ids = receiver.requests.map((request) => request.headers['webhook-id']);
    expect(ids).toHaveLength(count);
    expect(new Set(ids).size).toBe(count);
  });

  it('a subscriber on one replica sees a change made through the other', async () => {
    const namespace = await createNamespace(broker);
    await replica.app.listen(0, '127.0.0.1');
    const port = ((replica.app.getHttpServer() as Server).address() as AddressInfo).port;
    const names: string[] = [];
    client = createClient({
      url: `ws://127.0.0.1:${port}/graphql`,
      webSocketImpl: WebSocket,
      retryAttempts: 0,
      connectionParams: { authorization: `Bearer ${tokenFor('admin')}` },
    });
    client.subscribe<{ secretEvents: { name: string } }>(
      { query: `subscription { secretEvents(namespace: "${namespace}") { name } }` },
      {
        next: (result) => result.data && names.push(result.data.secretEvents.name),
        error: () => {},
        complete: () => {},
      },
    );
    // Created until one arrives: the subscription may not be in place for the first.
    let index = 0;
    await timeUntil(async () => {
      await broker
        .as('admin')
        .post(secretsPath(namespace))
        .send({ name: `live-${index++}`, generate: { password: { type: 'password' } } })
        .expect(201);
      await new Promise((resolve) => setTimeout(resolve, 300));
      return names.length > 0;
    }, 10_000);
    expect(names[0]).toMatch(/^live-/);
  });
});
