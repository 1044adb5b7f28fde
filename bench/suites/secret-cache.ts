import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { Agent, request } from 'node:https';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { CoreV1Api, KubeConfig, type V1Secret, type V1SecretList } from '@kubernetes/client-node';
import { apiClientFactory, KeepAliveAuthentication } from '../../src/cluster/keep-alive.js';
import { fromV1Secret } from '../../src/cluster/secret-objects.js';
import { SecretStore } from '../../src/cluster/secret-store.js';
import { KubernetesEmulator } from '../../src/emulator/index.js';
import { type Suite, type SuiteReport, mib, pool } from '../harness.js';
import { createBenchDatabase } from '../support/databases.js';
import { startBuiltBroker, type Child } from '../support/processes.js';

const SECRETS = 10_000;
const CREATE_CONCURRENCY = 8;
const NAMESPACE = 'bench';
/** Quiet time before memory is sampled, then samples taken (their median is reported). */
const SETTLE_MS = 3_000;
const SAMPLES = 5;
const HERE = resolve(import.meta.dirname, '..');
const MAIN = resolve(HERE, '../../src/main.js');
const GC_ON_SIGNAL = pathToFileURL(resolve(HERE, 'processes/gc-on-signal.js')).href;

/** Like the emulator suite's: 3 labels, 1 annotation, 2 data keys. */
function secretBody(i: number): V1Secret {
  return {
    metadata: {
      name: `secret-${String(i).padStart(5, '0')}`,
      labels: { app: 'bench', bucket: String(i % 100), tier: i % 2 ? 'odd' : 'even' },
      annotations: { 'bench/index': String(i) },
    },
    type: 'Opaque',
    data: {
      username: Buffer.from(`user-${i}`).toString('base64'),
      password: Buffer.from(`pw-${i}-`.padEnd(32, 'x')).toString('base64'),
    },
  };
}

interface Broker {
  readonly child: Child;
  readonly url: string;
  readonly readyMs: number;
  stop(): Promise<void>;
}

/** The built broker in its own process (NODE_ENV=production, SQLite) against `emulator`. */
async function startBroker(emulator: KubernetesEmulator, env: Record<string, string> = {}): Promise<Broker> {
  const directory = mkdtempSync(join(tmpdir(), 'secret-cache-bench-'));
  const kubeconfig = join(directory, 'kubeconfig.json');
  await emulator.writeKubeconfig(kubeconfig);
  const database = await createBenchDatabase('sqlite');
  const started = performance.now();
  const stopDatabase = async () => {
    await database.drop();
    rmSync(directory, { recursive: true, force: true });
  };
  let broker: { child: Child; url: string };
  try {
    broker = await startBuiltBroker(MAIN, {
      DATABASE_URL: database.url,
      KUBECONFIG: kubeconfig,
      JWT_HS256_SECRET: randomBytes(32).toString('base64url'),
      NODE_OPTIONS: `--expose-gc --import ${GC_ON_SIGNAL}`,
      ...env,
    });
  } catch (error) {
    await stopDatabase();
    throw error;
  }
  const { child, url } = broker;
  const stop = async () => {
    await child.stop();
    await stopDatabase();
  };
  return { child, url, readyMs: performance.now() - started, stop };
}

async function cachedSecrets(broker: Broker): Promise<number> {
  const body = (await (await fetch(`${broker.url}/readyz`)).json()) as {
    info?: Record<string, { cachedSecrets?: number }>;
  };
  return body.info?.['secrets-cache']?.cachedSecrets ?? 0;
}

/**
 * Medians of a few samples, each right after a full garbage collection, once the broker has been
 * quiet a while: resident set size (VmRSS) and V8 heap used (from its /metrics), MiB.
 */
async function memoryOf(broker: Broker): Promise<{ rss: number; heap: number }> {
  await sleep(SETTLE_MS);
  const rss: number[] = [];
  const heap: number[] = [];
  for (let i = 0; i < SAMPLES; i++) {
    broker.child.process.kill('SIGWINCH');
    await sleep(300);
    const status = readFileSync(`/proc/${broker.child.process.pid}/status`, 'utf8');
    rss.push(Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? Number.NaN) / 1024);
    const metrics = await (await fetch(`${broker.url}/metrics`)).text();
    heap.push(Number(/^nodejs_heap_size_used_bytes (\S+)$/m.exec(metrics)?.[1] ?? Number.NaN) / 2 ** 20);
  }
  const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
  return { rss: median(rss), heap: median(heap) };
}

async function seed(emulator: KubernetesEmulator): Promise<number> {
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromString(emulator.kubeconfig());
  const authentication = new KeepAliveAuthentication(kubeConfig);
  const core = apiClientFactory(kubeConfig, authentication)(CoreV1Api);
  const started = performance.now();
  try {
    await core.createNamespace({ body: { metadata: { name: NAMESPACE } } });
    await pool(SECRETS, CREATE_CONCURRENCY, (i) =>
      core.createNamespacedSecret({ namespace: NAMESPACE, body: secretBody(i) }),
    );
  } finally {
    authentication.destroy();
  }
  return performance.now() - started;
}

/** The list as the API server sends it (JSON text), for the in-process comparison of storage forms. */
async function listText(emulator: KubernetesEmulator): Promise<string> {
  const agent = new Agent({ ca: emulator.caPem });
  const base = new URL(emulator.httpsUrl);
  try {
    return await new Promise<string>((resolveText, reject) => {
      const req = request(
        {
          host: base.hostname,
          port: base.port,
          path: `/api/v1/namespaces/${NAMESPACE}/secrets`,
          agent,
          headers: { authorization: `Bearer ${emulator.adminToken}` },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('end', () => resolveText(Buffer.concat(chunks).toString('utf8')));
          res.on('error', reject);
        },
      );
      req.on('error', reject);
      req.end();
    });
  } finally {
    agent.destroy();
  }
}

/** Heap used plus ArrayBuffer memory (where Buffers keep their bytes), after full garbage collections. */
function usedBytes(): number {
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  gc();
  gc();
  const memory = process.memoryUsage();
  return memory.heapUsed + memory.arrayBuffers;
}

/** The API objects, the SecretStore over them, then decoded ClusterSecrets alongside: bytes each adds. */
function heldAlongside(text: string): { raw: number; store: number; decoded: number } {
  const base = usedBytes();
  const raw = (JSON.parse(text) as V1SecretList).items;
  const rawBytes = usedBytes() - base;
  const store = new SecretStore();
  for (const secret of raw) store.observe(secret);
  const storeBytes = usedBytes() - base - rawBytes;
  const decoded = raw.map(fromV1Secret);
  const decodedBytes = usedBytes() - base - rawBytes - storeBytes;
  if (store.size !== SECRETS || decoded.length !== SECRETS) throw new Error('storage forms: wrong count');
  return { raw: rawBytes, store: storeBytes, decoded: decodedBytes };
}

/** Decoded ClusterSecrets kept without the API objects they came from. */
function heldDecoded(text: string): number {
  const base = usedBytes();
  const decoded = (JSON.parse(text) as V1SecretList).items.map(fromV1Secret);
  const bytes = usedBytes() - base;
  if (decoded.length !== SECRETS) throw new Error('storage forms: wrong count');
  return bytes;
}

/** Bytes per secret of each way to hold the same secrets, measured in this process. */
function storageForms(text: string): Array<[string, number]> {
  const alongside = heldAlongside(text);
  const decodedOnly = heldDecoded(text);
  const perSecret = (bytes: number) => Math.round(bytes / SECRETS);
  return [
    ['API objects as a watch delivers them (base64 strings): what the informer holds anyway', perSecret(alongside.raw)],
    ['the SecretStore index over those objects (all the cache adds to them)', perSecret(alongside.store)],
    ['decoded ClusterSecrets (Buffers) alongside the API objects', perSecret(alongside.decoded)],
    ['decoded ClusterSecrets alone (no API objects kept)', perSecret(decodedOnly)],
  ];
}

export const secretCacheSuite: Suite = {
  name: 'secret-cache',
  title: 'Secret watch cache: broker memory with 10,000 secrets (`dist/src/main.js`)',
  description: `The built broker in its own process (NODE_ENV=production, SQLite) against the in-process emulator. Its resident set size (VmRSS) and V8 heap used (its /metrics) are sampled ${SAMPLES} times after ${SETTLE_MS / 1000} s of quiet and a full garbage collection (medians): first with an empty cache, then after ${SECRETS.toLocaleString('en-US')} secrets (2 data keys, 3 labels, 1 annotation each, as in the emulator suite) were created at the emulator and reached the cache as watch events; then a second broker that loads the same secrets with its first list, and a third with WATCH_SECRETS=false. Last, the same secrets are held in each storage form in the benchmark process, to compare their size.`,
  async run(): Promise<SuiteReport> {
    const emulator = await KubernetesEmulator.start();
    try {
      const watching = await startBroker(emulator);
      const before = await memoryOf(watching);
      const seedMs = await seed(emulator);
      const seeded = performance.now();
      while ((await cachedSecrets(watching)) < SECRETS) await sleep(50);
      const catchUpMs = performance.now() - seeded;
      const afterEvents = await memoryOf(watching);
      await watching.stop();

      const listing = await startBroker(emulator);
      const listed = await memoryOf(listing);
      const listedCount = await cachedSecrets(listing);
      await listing.stop();

      const uncached = await startBroker(emulator, { WATCH_SECRETS: 'false' });
      const off = await memoryOf(uncached);
      await uncached.stop();

      const forms = storageForms(await listText(emulator));
      const perSecret = (mibGrowth: number) => `${Math.round((mibGrowth * 2 ** 20) / SECRETS)} B`;
      return {
        tables: [
          {
            title: `Broker process memory (${SECRETS.toLocaleString('en-US')} secrets)`,
            columns: ['broker', 'RSS', 'V8 heap used', 'ready after'],
            rows: [
              ['cache on, empty cache', mib(before.rss), mib(before.heap), `${(watching.readyMs / 1000).toFixed(1)} s`],
              [
                `cache on, after ${SECRETS.toLocaleString('en-US')} watch events`,
                mib(afterEvents.rss),
                mib(afterEvents.heap),
                '—',
              ],
              [
                `cache on, ${listedCount.toLocaleString('en-US')} secrets from its first list`,
                mib(listed.rss),
                mib(listed.heap),
                `${(listing.readyMs / 1000).toFixed(1)} s`,
              ],
              [
                'WATCH_SECRETS=false, same cluster',
                mib(off.rss),
                mib(off.heap),
                `${(uncached.readyMs / 1000).toFixed(1)} s`,
              ],
            ],
          },
          {
            title: 'Growth per cached secret',
            columns: ['measurement', 'value'],
            rows: [
              ['RSS, empty cache → after watch events', perSecret(afterEvents.rss - before.rss)],
              ['V8 heap used, empty cache → after watch events', perSecret(afterEvents.heap - before.heap)],
              ['RSS, cache off → cache loaded by its first list', perSecret(listed.rss - off.rss)],
              ['V8 heap used, cache off → cache loaded by its first list', perSecret(listed.heap - off.heap)],
            ],
          },
          {
            title: 'Storage forms, in the benchmark process (bytes per secret: heap used + ArrayBuffers, after GC)',
            columns: ['form', 'bytes per secret'],
            rows: forms.map(([form, bytes]) => [form, `${bytes} B`]),
          },
        ],
        notes: [
          `Seeding: ${SECRETS.toLocaleString('en-US')} creates, ${CREATE_CONCURRENCY} in flight over one keep-alive agent, took ${(seedMs / 1000).toFixed(1)} s; the watching broker held all of them ${(catchUpMs / 1000).toFixed(2)} s after the last create answered.`,
          '“Ready after” is from spawning the process to its first 200 from /readyz (which waits for the first list).',
          'Each broker is sampled after a full garbage collection (a bench-only preload runs gc() on SIGWINCH); RSS still depends on how many pages V8 keeps, so the heap-used rows and the in-process storage forms are the steadier figures.',
        ],
      };
    } finally {
      await emulator.stop();
    }
  },
};
