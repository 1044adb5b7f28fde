import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createNamespace, createRole, createSecret, grantRole, secretsPath, uniqueName } from '../factories/index.js';
import { signToken, tokenFor } from '../support/tokens.js';
import { useBroker } from '../support/use-broker.js';

interface SecretEvent {
  id: string;
  type: string;
  namespace: string;
  name: string;
  version: number | null;
  subject: string;
  occurredAt: string;
}

interface Subscriber {
  readonly events: Array<SecretEvent & { receivedAt: number }>;
  readonly errors: unknown[];
  /** The close code, once the connection closed. */
  readonly closed: Promise<number>;
  /** Resolves when the operation ends (an error or completion). */
  readonly ended: Promise<void>;
  waitForEvents(count: number, timeoutMs?: number): Promise<void>;
}

const SECRET_EVENTS = `subscription($namespace: String!, $name: String) {
  secretEvents(namespace: $namespace, name: $name) { id type namespace name version subject occurredAt }
}`;

describe('live secret events over GraphQL WebSocket', () => {
  const broker = useBroker();
  let url: string;
  const clients: Client[] = [];

  beforeAll(async () => {
    await broker.app.listen(0, '127.0.0.1');
    url = `ws://127.0.0.1:${((broker.app.getHttpServer() as Server).address() as AddressInfo).port}/graphql`;
  });

  afterEach(() => {
    for (const client of clients.splice(0)) void client.dispose();
  });

  const subscribe = (token: string | undefined, variables: { namespace: string; name?: string }): Subscriber => {
    let closed: (code: number) => void = () => undefined;
    const closedPromise = new Promise<number>((resolve) => (closed = resolve));
    const client = createClient({
      url,
      webSocketImpl: WebSocket,
      retryAttempts: 0,
      lazy: false,
      // A refused connection is what some tests expect; the close code tells them.
      onNonLazyError: () => undefined,
      connectionParams: token === undefined ? {} : { authorization: `Bearer ${token}` },
      on: { closed: (event) => closed((event as { code: number }).code) },
    });
    clients.push(client);
    const events: Subscriber['events'] = [];
    const errors: unknown[] = [];
    const ended = new Promise<void>((resolve) => {
      client.subscribe<{ secretEvents: SecretEvent }>(
        { query: SECRET_EVENTS, variables },
        {
          next: (result) => {
            if (result.data) events.push({ ...result.data.secretEvents, receivedAt: Date.now() });
            if (result.errors) errors.push(...result.errors);
          },
          error: (error) => {
            errors.push(error);
            resolve();
          },
          complete: () => resolve(),
        },
      );
    });
    return {
      events,
      errors,
      closed: closedPromise,
      ended,
      waitForEvents: async (count, timeoutMs = 5_000) => {
        const deadline = Date.now() + timeoutMs;
        while (events.length < count) {
          if (Date.now() > deadline) throw new Error(`got ${events.length} of ${count} events`);
          await new Promise((resolve) => setTimeout(resolve, 10));
        }
      },
    };
  };

  /**
   * An admin's subscription to `namespace`, in place: once it has received an event, every other
   * subscriber has been offered that event too (a test waits on it instead of sleeping).
   */
  const witness = async (namespace: string): Promise<Subscriber> => {
    const subscriber = subscribe(tokenFor('admin'), { namespace });
    await warmUp(subscriber, namespace);
    return subscriber;
  };

  /** Once an event of a fresh secret arrives, the subscription is certainly in place. */
  const warmUp = async (subscriber: Subscriber, namespace: string, name = uniqueName('warm')) => {
    await createSecret(broker, namespace, { name });
    await subscriber.waitForEvents(subscriber.events.length + 1);
  };

  it('delivers a rotation within one second, with facts and no value', async () => {
    const namespace = await createNamespace(broker);
    await createSecret(broker, namespace, { name: 'db-main', data: { password: 'live-value-canary' } });
    const subscriber = subscribe(tokenFor('admin'), { namespace });
    await warmUp(subscriber, namespace);
    const before = subscriber.events.length;
    const rotated = await broker
      .as('admin')
      .post(`${secretsPath(namespace, 'db-main')}/rotate`)
      .send({ generate: { password: { type: 'password' } } })
      .expect(200);
    const answeredAt = Date.now();
    await subscriber.waitForEvents(before + 1, 1_000);
    const event = subscriber.events[before];
    expect(event).toMatchObject({
      type: 'secret.rotated',
      namespace,
      name: 'db-main',
      version: rotated.body.version.version,
      subject: 'user:admin',
    });
    expect(event.receivedAt - answeredAt).toBeLessThan(1_000);
    expect(JSON.stringify(subscriber.events)).not.toContain('live-value-canary');
  });

  it('shows a subscriber only the secrets it may list', async () => {
    const namespace = await createNamespace(broker);
    const watcher = uniqueName('watcher');
    await grantRole(broker, { subject: `user:${watcher}`, role: 'reader', namespace, namePattern: 'app-*' });
    const subscriber = subscribe(tokenFor(watcher), { namespace });
    await warmUp(subscriber, namespace, uniqueName('app'));
    await createSecret(broker, namespace, { name: 'db-hidden' });
    await createSecret(broker, namespace, { name: 'app-visible' });
    await subscriber.waitForEvents(2);
    // A later visible event arrives after any earlier one would have: one subscription delivers in order.
    await warmUp(subscriber, namespace, uniqueName('app-marker'));
    expect(subscriber.events.map((event) => event.name)).not.toContain('db-hidden');
    expect(subscriber.events[1].name).toBe('app-visible');
  });

  it('refuses a subscription to a secret the subscriber cannot list, and it receives nothing', async () => {
    const namespace = await createNamespace(broker);
    const stranger = uniqueName('stranger');
    await grantRole(broker, { subject: `user:${stranger}`, role: 'reader', namespace, namePattern: 'app-*' });
    const subscriber = subscribe(tokenFor(stranger), { namespace, name: 'db-main' });
    await subscriber.ended;
    const admin = await witness(namespace);
    await createSecret(broker, namespace, { name: 'db-main' });
    await admin.waitForEvents(2);
    expect(subscriber.events).toEqual([]);
    expect(JSON.stringify(subscriber.errors)).toMatch(/Permission denied/);
    expect(JSON.stringify(subscriber.errors)).toMatch(/"code":"FORBIDDEN"/);
  });

  it('applies the same operation limits over WebSocket as over HTTP', async () => {
    const client = createClient({
      url,
      webSocketImpl: WebSocket,
      retryAttempts: 0,
      connectionParams: { authorization: `Bearer ${tokenFor('admin')}` },
    });
    clients.push(client);
    const aliases = Array.from({ length: 16 }, (_, index) => `a${index}: secretEvents(namespace: "x") { id }`).join(
      ' ',
    );
    const errors = await new Promise<unknown>((resolve) => {
      client.subscribe(
        { query: `subscription { ${aliases} }` },
        { next: () => undefined, error: resolve, complete: () => resolve([]) },
      );
    });
    expect(JSON.stringify(errors)).toMatch(/aliases/i);
    // A validation error over WebSocket carries its status, as over HTTP.
    expect(errors).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          message: expect.stringMatching(/aliases/i),
          extensions: expect.objectContaining({ status: 400 }),
        }),
      ]),
    );
  });

  it('refuses a connection without a valid token (4401)', async () => {
    const namespace = await createNamespace(broker);
    expect(await subscribe(undefined, { namespace }).closed).toBe(4401);
    expect(await subscribe('not-a-token', { namespace }).closed).toBe(4401);
    const forged = signToken({ sub: 'admin' }, { key: 'another-secret-that-is-long-enough-0123456789' });
    expect(await subscribe(forged, { namespace }).closed).toBe(4401);
  });

  it('closes when the token expires', async () => {
    const namespace = await createNamespace(broker);
    const subscriber = subscribe(signToken({ sub: 'admin' }, { expiresInSeconds: 2 }), { namespace });
    await warmUp(subscriber, namespace);
    expect(await subscriber.closed).toBe(4401);
  });

  it('ends the subscription once the grant that opened it is gone', async () => {
    const namespace = await createNamespace(broker);
    const watcher = uniqueName('watcher');
    const role = await createRole(broker, { verbs: ['list'] });
    const grant = await grantRole(broker, { subject: `user:${watcher}`, role: role.name, namespace });
    const subscriber = subscribe(tokenFor(watcher), { namespace });
    await warmUp(subscriber, namespace);
    await broker.as('admin').delete(`/v1/grants/${grant.id}`).expect(200);
    await subscriber.ended;
    expect(JSON.stringify(subscriber.errors)).toMatch(/withdrawn/);
    expect(JSON.stringify(subscriber.errors)).toMatch(/"code":"FORBIDDEN"/);
    const count = subscriber.events.length;
    const admin = await witness(namespace);
    await createSecret(broker, namespace);
    await admin.waitForEvents(2);
    expect(subscriber.events).toHaveLength(count);
  });
});
