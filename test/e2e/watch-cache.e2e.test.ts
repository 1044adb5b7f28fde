import { setTimeout as sleep } from 'node:timers/promises';
import { beforeAll, describe, expect, it } from 'vitest';
import { createNamespace, createSecret, graphql, REQUEST_SECRET, secretsPath } from '../factories/index.js';
import type { Broker } from '../support/broker.js';
import { kubeClients, putSecret, secretReads } from '../support/kube.js';
import { cachedSecrets, readiness, untilSecretsCacheWatching } from '../support/secrets-cache.js';
import { useBroker } from '../support/use-broker.js';

const TEAM = 'team-a';
const base = (namespace = TEAM) => secretsPath(namespace);

async function requestValue(broker: Broker, name: string, namespace = TEAM): Promise<string | undefined> {
  const response = await broker
    .as('admin')
    .post(`${base(namespace)}/${name}/request`)
    .send({})
    .expect(200);
  return (response.body as { values: Array<{ key: string; value: string }> }).values.find(
    (item) => item.key === 'password',
  )?.value;
}

async function graphqlValue(broker: Broker, name: string): Promise<string | undefined> {
  const { data } = await graphql(broker, 'admin', REQUEST_SECRET, { namespace: TEAM, name });
  return data?.requestSecret.values.find((item) => item.key === 'password')?.value;
}

async function create(broker: Broker, name: string, password: string, namespace = TEAM): Promise<void> {
  await createSecret(broker, namespace, { name, data: { password } });
}

/** Polls the broker until it serves `expected` for `name`; the time it took, in ms. */
async function servedWithin(broker: Broker, name: string, expected: string, timeoutMs: number): Promise<number> {
  const started = Date.now();
  for (;;) {
    if ((await requestValue(broker, name)) === expected) return Date.now() - started;
    if (Date.now() - started > timeoutMs) throw new Error(`${name} not ${expected} after ${timeoutMs} ms`);
    await sleep(10);
  }
}

/** The emulator's (re)lists of every namespace's secrets (not watches) since `since` requests. */
function secretLists(broker: Broker, since: number): number {
  return broker.emulator.requests
    .slice(since)
    .filter((request) => request.path === '/api/v1/secrets' && !request.query.includes('watch=true')).length;
}

describe('secret reads from the watch cache', () => {
  const broker = useBroker();

  beforeAll(async () => {
    await createNamespace(broker, TEAM);
    await untilSecretsCacheWatching(broker);
  });

  it('serves a warm cache without asking the API server, over REST and GraphQL', async () => {
    await create(broker, 'warm', 'warm-value');
    const before = secretReads(broker.emulator);
    for (let i = 0; i < 10; i++) {
      expect(await requestValue(broker, 'warm')).toBe('warm-value');
      expect(await graphqlValue(broker, 'warm')).toBe('warm-value');
    }
    await broker.as('admin').get(`${base()}/warm`).expect(200);
    expect(secretReads(broker.emulator) - before).toBe(0);
    const { secretsCache } = await readiness(broker);
    expect(secretsCache?.status).toBe('up');
    expect(cachedSecrets(broker)).toBeGreaterThanOrEqual(1);
  });

  it('serves a value changed at the API server behind its back within a second (watch)', async () => {
    await putSecret(broker.emulator, TEAM, 'external', { password: 'first' });
    await servedWithin(broker, 'external', 'first', 1_000);
    const before = secretReads(broker.emulator);
    await putSecret(broker.emulator, TEAM, 'external', { password: 'second' });
    expect(await servedWithin(broker, 'external', 'second', 1_000)).toBeLessThan(1_000);
    // putSecret itself reads the object once; the broker does not.
    expect(secretReads(broker.emulator) - before).toBe(1);
  });

  it('answers a request right after its own write with the new value, even with the watch away (read-your-writes)', async () => {
    await create(broker, 'ryw', 'v0');
    await create(broker, 'ryw-probe', 'before');
    // The watch is cut and its reconnection held back: only the writes themselves can update the cache.
    broker.emulator.faults.inject({ method: 'GET', path: '/api/v1/secrets', delayMs: 1_500 });
    broker.emulator.closeWatches();
    const before = secretReads(broker.emulator);
    for (let i = 1; i <= 5; i++) {
      await broker
        .as('admin')
        .put(`${base()}/ryw`)
        .send({ data: { password: `v${i}` } })
        .expect(200);
      expect(await requestValue(broker, 'ryw')).toBe(`v${i}`);
      expect(await graphqlValue(broker, 'ryw')).toBe(`v${i}`);
    }
    await broker.as('admin').post(`${base()}/ryw/revoke`).send({ reason: 'gone' }).expect(200);
    await broker.as('admin').post(`${base()}/ryw/request`).send({}).expect(410);
    expect(secretReads(broker.emulator) - before).toBe(0);
    // The held-back watch resumes and catches up.
    await putSecret(broker.emulator, TEAM, 'ryw-probe', { password: 'caught up' });
    await servedWithin(broker, 'ryw-probe', 'caught up', 3_000);
  });

  it('resumes a watch the API server closed and keeps serving', async () => {
    await create(broker, 'cut', 'before');
    broker.emulator.closeWatches();
    await putSecret(broker.emulator, TEAM, 'cut', { password: 'after' });
    await servedWithin(broker, 'cut', 'after', 1_000);
    expect((await readiness(broker)).status).toBe(200);
  });

  it('relists after 410 Gone: changes and deletions made while the watch was away are served', async () => {
    await create(broker, 'expired', 'before');
    await putSecret(broker.emulator, TEAM, 'deleted-meanwhile', { password: 'x' });
    await servedWithin(broker, 'deleted-meanwhile', 'x', 1_000);
    const since = broker.emulator.requests.length;
    // Away for a second, during which the history it would resume from is compacted.
    broker.emulator.faults.inject({ method: 'GET', path: '/api/v1/secrets', delayMs: 1_000 });
    broker.emulator.closeWatches();
    const { core } = kubeClients(broker.emulator);
    await putSecret(broker.emulator, TEAM, 'expired', { password: 'after' });
    await core.deleteNamespacedSecret({ name: 'deleted-meanwhile', namespace: TEAM });
    // Known to the cache only through the broker's own write, never through the watch.
    await create(broker, 'created-while-away', 'x');
    await core.deleteNamespacedSecret({ name: 'created-while-away', namespace: TEAM });
    broker.emulator.compact();
    await servedWithin(broker, 'expired', 'after', 3_000);
    expect(secretLists(broker, since)).toBe(1);
    await broker.as('admin').post(`${base()}/deleted-meanwhile/request`).send({}).expect(404);
    await broker.as('admin').post(`${base()}/created-while-away/request`).send({}).expect(404);
    await untilSecretsCacheWatching(broker);
  });

  it('reports a lost watch on /readyz, reads from the API server meanwhile, and recovers', async () => {
    await create(broker, 'lost', 'value');
    // The reconnection and the next two lists fail: the informer stops and is restarted with backoff.
    broker.emulator.faults.inject({ method: 'GET', path: '/api/v1/secrets', status: 500, times: 3 });
    broker.emulator.closeWatches();
    const deadline = Date.now() + 3_000;
    let degraded: Awaited<ReturnType<typeof readiness>> | undefined;
    while (!degraded && Date.now() < deadline) {
      const answer = await readiness(broker);
      if (answer.secretsCache?.status === 'degraded') degraded = answer;
      else await sleep(10);
    }
    expect(degraded?.status).toBe(200);
    expect(degraded?.secretsCache?.message).toContain('1 of 1 watches are reconnecting');
    const before = secretReads(broker.emulator);
    expect(await requestValue(broker, 'lost')).toBe('value');
    expect(secretReads(broker.emulator) - before).toBeGreaterThan(0);

    await untilSecretsCacheWatching(broker, 10_000);
    const after = secretReads(broker.emulator);
    expect(await requestValue(broker, 'lost')).toBe('value');
    expect(secretReads(broker.emulator) - after).toBe(0);
    expect(broker.logLines.join('\n')).toContain('secret watch recovered');
  });

  it('is not ready until the first list completes, reading from the API server until then', async () => {
    await create(broker, 'cold', 'cold-value');
    await broker.restart(async () => {
      broker.emulator.faults.inject({ method: 'GET', path: '/api/v1/secrets', delayMs: 1_500 });
    });
    const notReady = await readiness(broker);
    expect(notReady.status).toBe(503);
    expect(notReady.detail).toBe('Not ready: secrets-cache');
    const before = secretReads(broker.emulator);
    expect(await requestValue(broker, 'cold')).toBe('cold-value');
    expect(secretReads(broker.emulator) - before).toBe(1);
    await untilSecretsCacheWatching(broker);
    expect(cachedSecrets(broker)).toBeGreaterThanOrEqual(1);
    expect((await readiness(broker)).status).toBe(200);
  });

  it('keeps one TLS connection for many cluster calls, where client-node alone opens one per call', async () => {
    const before = broker.emulator.tlsConnections;
    for (let i = 0; i < 20; i++) await create(broker, `keep-alive-${i}`, `value-${i}`);
    expect(broker.emulator.tlsConnections - before).toBeLessThanOrEqual(2);

    const { core } = kubeClients(broker.emulator);
    const plain = broker.emulator.tlsConnections;
    for (let i = 0; i < 5; i++) await core.readNamespacedSecret({ name: `keep-alive-${i}`, namespace: TEAM });
    expect(broker.emulator.tlsConnections - plain).toBeGreaterThanOrEqual(5);
  });
});

describe('the watch cache narrowed to managed namespaces and a label selector', () => {
  const broker = useBroker({
    MANAGED_NAMESPACES: `${TEAM},team-b`,
    WATCH_LABEL_SELECTOR: 'app.kubernetes.io/managed-by=secrets-broker',
  });

  beforeAll(async () => {
    await createNamespace(broker, TEAM);
    await createNamespace(broker, 'team-b');
    await untilSecretsCacheWatching(broker);
  });

  it('serves what the selector watches in each namespace and reads the rest from the API server', async () => {
    await create(broker, 'managed', 'a');
    await create(broker, 'managed', 'b', 'team-b');
    await putSecret(broker.emulator, TEAM, 'unlabelled', { password: 'outside' });
    const before = secretReads(broker.emulator);
    expect(await requestValue(broker, 'managed')).toBe('a');
    expect(await requestValue(broker, 'managed', 'team-b')).toBe('b');
    expect(secretReads(broker.emulator) - before).toBe(0);

    const uncached = secretReads(broker.emulator);
    expect(await requestValue(broker, 'unlabelled')).toBe('outside');
    expect(await requestValue(broker, 'unlabelled')).toBe('outside');
    expect(secretReads(broker.emulator) - uncached).toBe(2);
    expect(cachedSecrets(broker)).toBe(2);
  });
});

describe('WATCH_SECRETS=false', () => {
  const broker = useBroker({ WATCH_SECRETS: 'false' });

  beforeAll(async () => {
    await createNamespace(broker, TEAM);
  });

  it('reads every secret from the API server, as before, and watches nothing', async () => {
    await create(broker, 'uncached', 'value');
    const before = secretReads(broker.emulator);
    expect(await requestValue(broker, 'uncached')).toBe('value');
    expect(await requestValue(broker, 'uncached')).toBe('value');
    expect(secretReads(broker.emulator) - before).toBe(2);
    expect(broker.emulator.requests.some((request) => request.query.includes('watch=true'))).toBe(false);
    const ready = await readiness(broker);
    expect(ready.status).toBe(200);
    expect(ready.secretsCache).toEqual({ status: 'up', enabled: false });
  });
});
