import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  freePort,
  startBrokerProcess,
  startProcessEnvironment,
  type BrokerProcess,
  type ProcessEnvironment,
} from '../support/broker-process.js';
import { postgresBaseUrl } from '../support/database.js';
import { call, type Answer } from '../support/process-client.js';
import { timeUntil } from '../support/replica.js';
import { TcpProxy } from '../support/tcp-proxy.js';

const NAMESPACE = 'default';
const VALUE = 'fault-tolerant-value-7f3a';
const secrets = `/v1/namespaces/${NAMESPACE}/secrets`;
// Starting a broker process can take long on a loaded machine.
const PROCESS_TIMEOUT_MS = 180_000;
const ROTATION = { generate: { password: { type: 'password' } } };

/** A broker process between a proxy and what it depends on; the test cuts the proxy. */
interface Setup {
  environment: ProcessEnvironment;
  proxy: TcpProxy;
  broker: BrokerProcess;
}

async function createSecret(broker: BrokerProcess, name: string): Promise<void> {
  const created = await call(broker.url, 'POST', secrets, { sub: 'admin', body: { name, data: { password: VALUE } } });
  expect(created.status).toBe(201);
}

const readSecret = (broker: BrokerProcess, name: string) =>
  call(broker.url, 'POST', `${secrets}/${name}/request`, { sub: 'admin', body: {} });

/** A refusal as the contract wants it: 503 problem+json, and nothing of the value. */
function expectCleanUnavailable(answer: Answer): void {
  expect(answer.status).toBe(503);
  expect(answer.contentType).toContain('application/problem+json');
  expect(answer.text).not.toContain(VALUE);
}

describe.skipIf(postgresBaseUrl() === undefined)(
  'PostgreSQL connection cut (broker process → proxy → PostgreSQL)',
  () => {
    const setup = {} as Setup;

    beforeAll(async () => {
      setup.environment = await startProcessEnvironment();
      const database = new URL(setup.environment.database.url);
      setup.proxy = await TcpProxy.start({ host: database.hostname, port: Number(database.port || 5432) });
      setup.broker = await startBrokerProcess(
        { ...setup.environment.env, DATABASE_URL: setup.proxy.rewrite(setup.environment.database.url) },
        await freePort(),
      );
    }, PROCESS_TIMEOUT_MS);

    afterAll(async () => {
      await setup.broker.kill();
      await setup.proxy.close();
      await setup.environment.close();
    });

    it('answers 503 without values while the database is unreachable, stays up, and recovers fully', async () => {
      const { broker, proxy } = setup;
      await createSecret(broker, 'db-cut');
      expect((await readSecret(broker, 'db-cut')).status).toBe(200);

      proxy.cut();
      try {
        expectCleanUnavailable(await call(broker.url, 'GET', '/readyz'));
        expectCleanUnavailable(await readSecret(broker, 'db-cut'));
        expectCleanUnavailable(
          await call(broker.url, 'POST', `${secrets}/db-cut/rotate`, { sub: 'admin', body: ROTATION }),
        );
        expect((await call(broker.url, 'GET', '/healthz')).status).toBe(200);
      } finally {
        proxy.restore();
      }

      await timeUntil(async () => (await call(broker.url, 'GET', '/readyz')).status === 200, 15_000, 200);
      const read = await readSecret(broker, 'db-cut');
      expect(read.status).toBe(200);
      expect(read.text).toContain(VALUE);
      expect(broker.child.exitCode).toBeNull();
    });
  },
);

describe('Kubernetes API unreachable (broker process → proxy → API server)', () => {
  const setup = {} as Setup;
  const STALENESS_SECONDS = 4;

  beforeAll(async () => {
    setup.environment = await startProcessEnvironment({ CACHE_MAX_STALENESS_SECONDS: String(STALENESS_SECONDS) });
    setup.proxy = await TcpProxy.start({ host: '127.0.0.1', port: setup.environment.emulator.port });
    const kubeconfigPath = setup.environment.env.KUBECONFIG;
    const kubeconfig = JSON.parse(readFileSync(kubeconfigPath, 'utf8')) as {
      clusters: Array<{ cluster: { server: string } }>;
    };
    for (const { cluster } of kubeconfig.clusters)
      cluster.server = setup.proxy.rewrite(cluster.server).replace(/\/$/, '');
    const proxied = join(setup.environment.directory, 'kubeconfig-proxied.json');
    writeFileSync(proxied, JSON.stringify(kubeconfig));
    setup.broker = await startBrokerProcess({ ...setup.environment.env, KUBECONFIG: proxied }, await freePort());
  }, PROCESS_TIMEOUT_MS);

  afterAll(async () => {
    await setup.broker.kill();
    await setup.proxy.close();
    await setup.environment.close();
  });

  it('serves reads from the watch cache while fresh, refuses writes, then refuses reads past the bound, and recovers', async () => {
    const { broker, proxy } = setup;
    await createSecret(broker, 'api-cut');
    await timeUntil(async () => {
      const ready = (await call(broker.url, 'GET', '/readyz')).body as { details?: Record<string, { status: string }> };
      return ready.details?.['secrets-cache']?.status === 'up';
    }, 10_000);

    proxy.cut();
    const cutAt = Date.now();
    try {
      const read = await readSecret(broker, 'api-cut');
      expect(read.status).toBe(200);
      expect(read.text).toContain(VALUE);
      expectCleanUnavailable(
        await call(broker.url, 'POST', `${secrets}/api-cut/rotate`, { sub: 'admin', body: ROTATION }),
      );
      const ready = await call(broker.url, 'GET', '/readyz');
      expect(ready.status).toBe(200);
      expect(ready.body).toMatchObject({ details: { cluster: { status: 'degraded' } } });

      await sleep(Math.max(0, STALENESS_SECONDS * 1000 + 500 - (Date.now() - cutAt)));
      expectCleanUnavailable(await readSecret(broker, 'api-cut'));
      expectCleanUnavailable(await call(broker.url, 'GET', '/readyz'));
    } finally {
      proxy.restore();
    }

    await timeUntil(async () => (await call(broker.url, 'GET', '/readyz')).status === 200, 20_000, 200);
    const read = await readSecret(broker, 'api-cut');
    expect(read.status).toBe(200);
    expect(read.text).toContain(VALUE);
    expect(broker.child.exitCode).toBeNull();
  });
});
