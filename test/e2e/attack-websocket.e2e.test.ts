import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DataSource } from 'typeorm';
import {
  createNamespace,
  createSecret,
  createServiceAccount,
  eventually,
  grantRole,
  leaseRequest,
  uniqueName,
  type LeasedTokenBody,
} from '../factories/index.js';
import type { Broker } from '../support/broker.js';
import { auditEventsSince, captureState, expectUnchanged } from '../support/state.js';
import { tokenFor } from '../support/tokens.js';
import { useBroker } from '../support/use-broker.js';

const SECRET_EVENTS = `subscription($namespace: String!) { secretEvents(namespace: $namespace) { name type } }`;
const SECRET_EVENTS_OF_ONE = `subscription($namespace: String!, $name: String) {
  secretEvents(namespace: $namespace, name: $name) { name type }
}`;

interface Socket {
  readonly client: Client;
  /** The close code, once the connection closed. */
  readonly closed: Promise<number>;
  /** Runs one operation to its end: what it delivered and the errors it ended with. */
  run(query: string, variables?: Record<string, unknown>): Promise<{ data: unknown[]; errors: unknown[] }>;
  /** Starts a subscription; resolves with the first result (or the error that ended it). */
  started(query: string, variables?: Record<string, unknown>): Promise<unknown>;
}

type WebSocketClass = new (
  address: string,
  protocols?: string | string[],
  options?: { headers: Record<string, string> },
) => object;

/** A graphql-ws connection to the broker from 127.0.0.1, optionally through a "proxy" that forwards `forwardedFor`. */
function connect(url: string, clients: Client[], token: string | undefined, forwardedFor?: string): Socket {
  let closed: (code: number) => void = () => undefined;
  const closedPromise = new Promise<number>((resolve) => (closed = resolve));
  const headers: Record<string, string> = forwardedFor === undefined ? {} : { 'x-forwarded-for': forwardedFor };
  class ForwardingSocket extends (WebSocket as WebSocketClass) {
    constructor(address: string, protocols?: string | string[]) {
      super(address, protocols, { headers });
    }
  }
  const client = createClient({
    url,
    webSocketImpl: ForwardingSocket,
    retryAttempts: 0,
    lazy: false,
    onNonLazyError: () => undefined,
    connectionParams: token === undefined ? {} : { authorization: `Bearer ${token}` },
    on: { closed: (event) => closed((event as { code: number }).code) },
  });
  clients.push(client);
  const run: Socket['run'] = (query, variables) =>
    new Promise((resolve) => {
      const data: unknown[] = [];
      const errors: unknown[] = [];
      client.subscribe(
        { query, variables },
        {
          next: (result) => {
            if (result.data) data.push(result.data);
            if (result.errors) errors.push(...result.errors);
          },
          error: (error) => resolve({ data, errors: [...errors, error] }),
          complete: () => resolve({ data, errors }),
        },
      );
    });
  const started: Socket['started'] = (query, variables) =>
    new Promise((resolve) => {
      client.subscribe({ query, variables }, { next: resolve, error: resolve, complete: () => resolve(undefined) });
    });
  return { client, closed: closedPromise, run, started };
}

async function listen(broker: Broker): Promise<string> {
  await broker.app.listen(0, '127.0.0.1');
  return `ws://127.0.0.1:${((broker.app.getHttpServer() as Server).address() as AddressInfo).port}/graphql`;
}

describe('GraphQL WebSocket under attack', () => {
  const broker = useBroker({
    NODE_ENV: 'production',
    KUBERNETES_TOKEN_REVIEW: 'true',
    GRAPHQL_WS_MAX_CONNECTIONS_PER_SUBJECT: '2',
    GRAPHQL_WS_MAX_SUBSCRIPTIONS_PER_SUBJECT: '2',
  });
  const clients: Client[] = [];
  let url: string;
  let namespace: string;

  beforeAll(async () => {
    url = await listen(broker);
    namespace = await createNamespace(broker);
    await createSecret(broker, namespace, { name: 'db-main', data: { password: 'socket-canary-value' } });
  });

  afterEach(() => {
    for (const client of clients.splice(0)) void client.dispose();
  });

  it('closes a socket opened with a leased token within about a second of the lease being revoked', async () => {
    await createServiceAccount(broker.emulator, namespace, 'app-watcher');
    await grantRole(broker, { subject: `serviceaccount:${namespace}/app-watcher`, role: 'reader', namespace });
    const leased = await leaseRequest(broker, 'admin', namespace, 'app-watcher')
      .send({ ttlSeconds: 600, audiences: ['secrets-broker'] })
      .expect(201);
    const { token, lease } = leased.body as LeasedTokenBody;
    const socket = connect(url, clients, token);
    const first = socket.started(SECRET_EVENTS, { namespace });
    // An event proves the subscription is in place before the lease goes.
    await createSecret(broker, namespace, { name: uniqueName('warm') });
    expect(JSON.stringify(await first)).toContain('secret.created');

    await broker.as('admin').delete(`/v1/leases/${lease.id}`).expect(200);
    const revokedAt = Date.now();
    expect(await socket.closed).toBe(4401);
    expect(Date.now() - revokedAt).toBeLessThan(2_500);
  });

  it('serves no queries or mutations over a socket: they go over HTTP, where each is authorized and limited', async () => {
    const socket = connect(url, clients, tokenFor('admin'));
    const before = await captureState(broker);
    broker.emulator.clearRequestLog();

    const rotate = await socket.run(
      `mutation($namespace: String!) { rotateSecret(namespace: $namespace, name: "db-main") { version { version } } }`,
      { namespace },
    );
    const read = await socket.run(
      `mutation($namespace: String!) { requestSecret(namespace: $namespace, name: "db-main") { values { key } } }`,
      { namespace },
    );
    // Refused over HTTP for its cost; over the socket it once ran, with an audit event per item.
    const costly = await socket.run(
      `{ secrets(namespace: "${namespace}", first: 500) { items { name consumers { name } versions { version } } } }`,
    );
    const introspection = await socket.run('{ __schema { types { name } } }');
    for (const refused of [rotate, read, costly, introspection]) {
      expect(refused.data).toEqual([]);
      expect(JSON.stringify(refused.errors)).toContain('Only subscriptions are served over WebSocket');
    }
    const fields = Array.from({ length: 16 }, (_, index) => `a${index}: name`).join(' ');
    const deep = await socket.run(`subscription { secretEvents(namespace: "x") { ${fields} } }`);
    expect(JSON.stringify(deep.errors)).toMatch(/Aliases limit of 15 exceeded/);
    expect(JSON.stringify(deep.errors)).toContain('GRAPHQL_VALIDATION_FAILED');

    expect(broker.emulator.requests).toEqual([]);
    const events = await expectUnchanged(broker, before);
    expect(events).toEqual([]);
  });

  it('caps the connections and live subscriptions of one subject', async () => {
    const subject = uniqueName('hoarder');
    await grantRole(broker, { subject: `user:${subject}`, role: 'reader', namespace });
    const first = connect(url, clients, tokenFor(subject));
    const live = [first.started(SECRET_EVENTS, { namespace }), first.started(SECRET_EVENTS, { namespace })];
    await createSecret(broker, namespace, { name: uniqueName('warm') });
    for (const started of live) expect(JSON.stringify(await started)).toContain('secret.created');
    const before = await captureState(broker);
    const second = connect(url, clients, tokenFor(subject));
    const third = connect(url, clients, tokenFor(subject));
    expect(await third.closed).toBe(4429);
    const refused = await second.run(SECRET_EVENTS, { namespace });
    expect(JSON.stringify(refused.errors)).toContain('Too many live subscriptions');
    expect(await auditEventsSince(broker, before)).toEqual([]);
    await expectUnchanged(broker, before);
    // Another subject is not affected.
    const other = connect(url, clients, tokenFor('admin'));
    const created = other.started(SECRET_EVENTS, { namespace });
    await createSecret(broker, namespace, { name: uniqueName('other') });
    expect(JSON.stringify(await created)).toContain('secret.created');
  });
});

describe('each operation on a socket, authenticated as an HTTP request is', () => {
  // No periodic re-check in this suite: what refuses is the operation's own authentication.
  const broker = useBroker({ KUBERNETES_TOKEN_REVIEW: 'true', GRAPHQL_WS_RECHECK_SECONDS: '60' });
  const clients: Client[] = [];

  afterEach(() => {
    for (const client of clients.splice(0)) void client.dispose();
  });

  it('refuses a new subscription on an open socket once its lease is revoked', async () => {
    const url = await listen(broker);
    const namespace = await createNamespace(broker);
    await createServiceAccount(broker.emulator, namespace, 'app-watcher');
    await grantRole(broker, {
      subject: `serviceaccount:${namespace}/app-watcher`,
      role: 'reader',
      namespace,
      namePattern: 'app-*',
    });
    const leased = await leaseRequest(broker, 'admin', namespace, 'app-watcher')
      .send({ ttlSeconds: 600, audiences: ['secrets-broker'] })
      .expect(201);
    const { token, lease } = leased.body as LeasedTokenBody;
    const socket = connect(url, clients, token);
    // A name outside the account's grants: answered at once, FORBIDDEN while the token is good.
    const probe = async () =>
      JSON.stringify(await socket.started(SECRET_EVENTS_OF_ONE, { namespace, name: 'db-main' }));
    expect(await probe()).toContain('FORBIDDEN');

    await broker.as('admin').delete(`/v1/leases/${lease.id}`).expect(200);
    const before = await captureState(broker);
    await eventually(async () => (await probe()).includes('UNAUTHENTICATED'), 3_000);
    await expectUnchanged(broker, before);
    const closed = await Promise.race([socket.closed, Promise.resolve('still open')]);
    expect(closed).toBe('still open');
  });
});

describe('WebSocket sign-ins behind a trusted proxy', () => {
  const broker = useBroker({ TRUST_PROXY: 'loopback', AUTH_FAILURE_LIMIT_PER_MINUTE: '3' });
  const clients: Client[] = [];
  let url: string;

  beforeAll(async () => {
    url = await listen(broker);
  });

  afterEach(() => {
    for (const client of clients.splice(0)) void client.dispose();
  });

  it('limits and audits failures per client address, so one client cannot lock out the others', async () => {
    for (let attempt = 0; attempt < 3; attempt++) {
      expect(await connect(url, clients, 'not-a-token', '203.0.113.7').closed).toBe(4401);
    }
    expect(await connect(url, clients, 'not-a-token', '203.0.113.7').closed).toBe(4429);
    const before = await captureState(broker);

    const neighbour = connect(url, clients, tokenFor('admin'), '198.51.100.20');
    const namespace = await createNamespace(broker);
    const created = neighbour.started(SECRET_EVENTS, { namespace });
    await createSecret(broker, namespace, { name: 'db-main' });
    expect(JSON.stringify(await created)).toContain('secret.created');

    const failures = await broker.app
      .get(DataSource)
      .query<Array<{ source_ip: string }>>(
        `SELECT source_ip FROM audit_events WHERE subject = 'anonymous' AND id <= ${before.auditHead}`,
      );
    expect(failures.map((row) => row.source_ip)).toEqual(['203.0.113.7', '203.0.113.7', '203.0.113.7']);
  });
});
