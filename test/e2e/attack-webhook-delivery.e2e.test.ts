import { createServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { HostResolver, type ResolvedAddress } from '../../src/webhooks/destination-policy.js';
import { createNamespace, createSecret, uniqueName } from '../factories/index.js';
import { startFlakyReceiver, type FlakyReceiver } from '../support/flaky-receiver.js';
import { captureState, expectUnchanged } from '../support/state.js';
import { useBroker, withBroker } from '../support/use-broker.js';
import type { Broker } from '../support/broker.js';

interface DeliveryBody {
  state: string;
  attempts: number;
  lastError: string | null;
  attemptLog: Array<{ error: string | null }>;
}

const FAST_DELIVERY = {
  WEBHOOK_DISPATCH_SECONDS: '0.1',
  WEBHOOK_TICK_SECONDS: '0.1',
  WEBHOOK_RETRY_BASE_SECONDS: '60',
  WEBHOOK_TIMEOUT_SECONDS: '2',
};

/** A TCP listener on a loopback address that counts connections and never answers. */
interface SilentListener {
  readonly port: number;
  readonly connections: number;
  close(): Promise<void>;
}

async function listenSilently(host: string): Promise<SilentListener> {
  const sockets = new Set<Socket>();
  let connections = 0;
  const server: Server = createServer((socket) => {
    connections += 1;
    sockets.add(socket);
    socket.on('error', () => undefined);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  return {
    port: (server.address() as AddressInfo).port,
    get connections() {
      return connections;
    },
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

async function deliveriesOf(broker: Broker, webhookId: string, as = 'admin'): Promise<DeliveryBody[]> {
  const response = await broker.as(as).get(`/v1/webhooks/${webhookId}/deliveries`).expect(200);
  return (response.body as { items: DeliveryBody[] }).items;
}

/** A new subject holding the admin role everywhere (the subscription cap counts per subject). */
async function newOwner(broker: Broker): Promise<string> {
  const owner = uniqueName('owner');
  await broker
    .as('admin')
    .post('/v1/grants')
    .send({ subject: `user:${owner}`, role: 'admin', namespace: '*', namePattern: '*' })
    .expect(201);
  return owner;
}

/** Makes the broker's resolver answer `address` for every name, and records what it was asked. */
function resolveEverythingTo(broker: Broker, address: string): string[] {
  const asked: string[] = [];
  const family = address.includes(':') ? 6 : 4;
  vi.spyOn(broker.app.get(HostResolver), 'resolve').mockImplementation((hostname: string) => {
    asked.push(hostname);
    return Promise.resolve<ResolvedAddress[]>([{ address, family }]);
  });
  return asked;
}

describe('attacks on webhook destinations in production (finding 8)', () => {
  // 127.0.0.2 stands for an internal receiver the operator allow-listed; 127.0.0.1 is not listed.
  const broker = useBroker({
    ...FAST_DELIVERY,
    NODE_ENV: 'production',
    WEBHOOK_ALLOWED_NETWORKS: '127.0.0.2/32',
    WEBHOOK_MAX_SUBSCRIPTIONS_PER_SUBJECT: '3',
  });
  let listener: SilentListener | undefined;

  afterEach(async () => {
    vi.restoreAllMocks();
    await listener?.close();
    listener = undefined;
  });

  it.each(['169.254.169.254', '10.0.0.1', '127.0.0.1', '::ffff:169.254.169.254'])(
    'refuses a name resolving to %s before any connection, and says only "destination not allowed"',
    async (address) => {
      listener = await listenSilently('127.0.0.1');
      const asked = resolveEverythingTo(broker, address);
      const namespace = await createNamespace(broker);
      const webhook = (
        await broker
          .as(await newOwner(broker))
          .post('/v1/webhooks')
          .send({ url: `https://receiver.test:${listener.port}/hook`, eventTypes: ['secret.created'], namespace })
          .expect(201)
      ).body as { id: string };
      await createSecret(broker, namespace);
      await expect.poll(async () => (await deliveriesOf(broker, webhook.id))[0]?.attempts ?? 0).toBeGreaterThan(0);
      const [delivery] = await deliveriesOf(broker, webhook.id);
      expect(delivery.lastError).toBe('destination not allowed');
      expect(asked).toContain('receiver.test');
      expect(listener.connections).toBe(0);
    },
  );

  it('refuses an IP literal of the deny-list when subscribing (422, nothing changed)', async () => {
    const namespace = await createNamespace(broker);
    const before = await captureState(broker);
    for (const url of [
      'https://169.254.169.254/latest/meta-data',
      'https://10.0.0.1/hook',
      'https://127.0.0.1:8443/hook',
      'https://[::1]/hook',
      'https://[fd00:ec2::254]/hook',
    ]) {
      await broker
        .as('admin')
        .post('/v1/webhooks')
        .send({ url, eventTypes: ['secret.created'], namespace })
        .expect(422);
    }
    await expectUnchanged(broker, before, { allowDecisions: true });
  });

  it('connects to an allow-listed internal address, and reports a failed handshake as a class', async () => {
    listener = await listenSilently('127.0.0.2');
    resolveEverythingTo(broker, '127.0.0.2');
    const namespace = await createNamespace(broker);
    const webhook = (
      await broker
        .as(await newOwner(broker))
        .post('/v1/webhooks')
        .send({ url: `https://internal.test:${listener.port}/hook`, eventTypes: ['secret.created'], namespace })
        .expect(201)
    ).body as { id: string };
    await createSecret(broker, namespace);
    // The attempt is recorded once the 2 s handshake timeout has passed; a loaded machine adds to that.
    await expect
      .poll(async () => (await deliveriesOf(broker, webhook.id))[0]?.attempts ?? 0, { timeout: 15_000 })
      .toBeGreaterThan(0);
    expect(listener.connections).toBeGreaterThan(0);
    const [delivery] = await deliveriesOf(broker, webhook.id);
    // A listener that never answers the TLS handshake: "timed out", never a socket message.
    expect(['timed out', 'connection failed']).toContain(delivery.lastError);
  });

  it('reports refused ports and closed connections alike, so the log is no port scanner', async () => {
    listener = await listenSilently('127.0.0.2');
    resolveEverythingTo(broker, '127.0.0.2');
    const namespace = await createNamespace(broker);
    const closedPort = listener.port;
    await listener.close();
    listener = undefined;
    const webhook = (
      await broker
        .as(await newOwner(broker))
        .post('/v1/webhooks')
        .send({ url: `https://internal.test:${closedPort}/hook`, eventTypes: ['secret.created'], namespace })
        .expect(201)
    ).body as { id: string };
    await createSecret(broker, namespace);
    await expect.poll(async () => (await deliveriesOf(broker, webhook.id))[0]?.attempts ?? 0).toBeGreaterThan(0);
    const [delivery] = await deliveriesOf(broker, webhook.id);
    expect(delivery.lastError).toBe('connection failed');
    expect(JSON.stringify(delivery)).not.toMatch(/ECONN|EHOST|socket|127\.0\.0/);
  });

  it('caps the subscriptions of one subject (422, nothing changed)', async () => {
    const namespace = await createNamespace(broker);
    const owner = await newOwner(broker);
    const subscribe = (expected: number) =>
      broker
        .as(owner)
        .post('/v1/webhooks')
        .send({ url: 'https://hooks.test/x', eventTypes: ['secret.rotated'], namespace })
        .expect(expected);
    for (let i = 0; i < 3; i += 1) await subscribe(201);
    const before = await captureState(broker);
    const refused = await subscribe(422);
    expect(refused.body.detail).toMatch(/At most 3 webhook subscriptions per subject/);
    // The caller may manage webhooks there (that decision is recorded as allowed); the cap refuses.
    await expectUnchanged(broker, before, { allowDecisions: true });
  });
});

describe('one subject whose receivers never answer delays nobody else (finding 8)', () => {
  let fast: FlakyReceiver | undefined;
  const silent: SilentListener[] = [];

  afterEach(async () => {
    await fast?.close();
    for (const listener of silent.splice(0)) await listener.close();
  });

  it('delivers to another subject within seconds while 40 subscriptions hang until their timeout', async () => {
    fast = await startFlakyReceiver(0);
    await withBroker(
      {
        ...FAST_DELIVERY,
        // Plain http:// receivers on this machine: only development behaviour accepts them.
        NODE_ENV: 'development',
        WEBHOOK_TIMEOUT_SECONDS: '60',
        WEBHOOK_ALLOWED_NETWORKS: '127.0.0.0/8',
        WEBHOOK_MAX_SUBSCRIPTIONS_PER_SUBJECT: '40',
      },
      async (broker) => {
        const slowNamespace = await createNamespace(broker);
        const fastNamespace = await createNamespace(broker);
        const slowOwner = await newOwner(broker);
        for (let i = 0; i < 40; i += 1) {
          const listener = await listenSilently('127.0.0.1');
          silent.push(listener);
          await broker
            .as(slowOwner)
            .post('/v1/webhooks')
            .send({
              url: `http://127.0.0.1:${listener.port}/hook`,
              eventTypes: ['secret.created'],
              namespace: slowNamespace,
            })
            .expect(201);
        }
        await broker
          .as('admin')
          .post('/v1/webhooks')
          .send({ url: fast?.url, eventTypes: ['secret.created'], namespace: fastNamespace })
          .expect(201);
        await createSecret(broker, slowNamespace);
        await expect.poll(() => silent.filter((listener) => listener.connections > 0).length).toBeGreaterThan(0);
        const started = Date.now();
        await createSecret(broker, fastNamespace);
        await fast?.waitFor(1, 10_000);
        expect(Date.now() - started).toBeLessThan(5_000);
      },
    );
  }, 60_000);
});
