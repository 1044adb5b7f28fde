import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { Agent, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { INestApplication } from '@nestjs/common';
import jwt from 'jsonwebtoken';
import { createApp } from '../../src/app.factory.js';
import { createLogger } from '../../src/common/logging/logger.js';
import { loadConfig } from '../../src/config/app-config.js';
import { KubernetesEmulator } from '../../src/emulator/index.js';
import { MAX_CONCURRENT_KEY_PAIRS } from '../../src/secrets/generators.js';
import { type Stats, type Suite, type SuiteReport, STATS_COLUMNS, ms, ratio, statsRow, summarize } from '../harness.js';

const ROUNDS = 3;
const IDLE_REQUESTS = 300;
const KEYS = 4;
const RSA_BITS = 4096;
/** Bound on the /healthz loop that runs while keys are made (it stops as soon as they are). */
const MAX_REQUESTS_PER_WINDOW = 200_000;
const WARMUP_REQUESTS = 20;
const KEEP_ALIVE_TIMEOUT_MS = 50_000;
const SUBJECT = 'bench';

interface Broker {
  readonly app: INestApplication;
  readonly port: number;
  readonly token: string;
  close(): Promise<void>;
}

/** The real broker, in this process, as test/support/broker.ts starts it: own emulator, SQLite in a temp dir, HS256. */
async function startBroker(): Promise<Broker> {
  const emulator = await KubernetesEmulator.start();
  const directory = mkdtempSync(join(tmpdir(), 'bench-keygen-'));
  const kubeconfig = join(directory, 'kubeconfig.json');
  await emulator.writeKubeconfig(kubeconfig);
  const secret = randomBytes(32).toString('hex');
  const config = loadConfig({
    DATABASE_URL: `sqlite:${join(directory, 'broker.sqlite')}`,
    KUBECONFIG: kubeconfig,
    JWT_HS256_SECRET: secret,
    BOOTSTRAP_ADMINS: `user:${SUBJECT}`,
    ENCRYPTION_KEY: randomBytes(32).toString('base64'),
    LOG_LEVEL: 'warn',
  });
  const app = await createApp(config, createLogger(config.logLevel, { write: () => undefined }));
  await app.listen(0, '127.0.0.1');
  const server = app.getHttpServer() as Server;
  // Node's default (5 s) is shorter than the sync batch: the idle timer would fire before the waiting request is read.
  server.keepAliveTimeout = KEEP_ALIVE_TIMEOUT_MS;
  const { port } = server.address() as AddressInfo;
  return {
    app,
    port,
    token: jwt.sign({ sub: SUBJECT, groups: [] }, secret, { algorithm: 'HS256', expiresIn: 3600 }),
    close: async () => {
      await app.close();
      await emulator.stop();
      rmSync(directory, { recursive: true, force: true });
    },
  };
}

function send(
  agent: Agent,
  port: number,
  method: string,
  path: string,
  headers: Record<string, string> = {},
  body?: unknown,
): Promise<number> {
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const req = request(
      {
        host: '127.0.0.1',
        port,
        method,
        path,
        agent,
        headers: payload ? { ...headers, 'content-type': 'application/json' } : headers,
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

/** Sequential /healthz requests over one keep-alive connection until `busy` settles; each latency in ms. */
async function healthzWhile(
  agent: Agent,
  port: number,
  busy: Promise<unknown>,
): Promise<{ latencies: number[]; seconds: number }> {
  let settled = false;
  void busy.finally(() => (settled = true)).catch(() => undefined);
  const started = performance.now();
  const latencies: number[] = [];
  while (!settled && latencies.length < MAX_REQUESTS_PER_WINDOW) {
    const sent = performance.now();
    const status = await send(agent, port, 'GET', '/healthz');
    if (status !== 200) throw new Error(`GET /healthz: ${status}`);
    latencies.push(performance.now() - sent);
  }
  return { latencies, seconds: (performance.now() - started) / 1000 };
}

const rsaKeys = () =>
  Object.fromEntries(Array.from({ length: KEYS }, (_, i) => [`key-${i}`, { type: 'rsa', bits: RSA_BITS }]));

async function run(): Promise<SuiteReport> {
  const broker = await startBroker();
  const healthAgent = new Agent({ keepAlive: true, maxSockets: 1 });
  const writeAgent = new Agent({ keepAlive: true, maxSockets: 1 });
  const idle: number[] = [];
  const during = { async: [] as number[], sync: [] as number[] };
  const window = { async: [] as number[], sync: [] as number[] };
  const served = { async: 0, sync: 0 };
  try {
    for (let i = 0; i < WARMUP_REQUESTS; i++) await send(healthAgent, broker.port, 'GET', '/healthz');
    for (let round = 0; round < ROUNDS; round++) {
      for (let i = 0; i < IDLE_REQUESTS; i++) {
        const sent = performance.now();
        await send(healthAgent, broker.port, 'GET', '/healthz');
        idle.push(performance.now() - sent);
      }

      // The broker as it is: one create generating 4 RSA-4096 keys (async, bounded concurrency).
      const postStarted = performance.now();
      const created = send(
        writeAgent,
        broker.port,
        'POST',
        '/v1/namespaces/default/secrets',
        { authorization: `Bearer ${broker.token}` },
        { name: `keygen-${round}`, generate: rsaKeys() },
      ).then((status) => {
        if (status !== 201) throw new Error(`POST /v1/namespaces/default/secrets: ${status}`);
        window.async.push(performance.now() - postStarted);
      });
      const asyncRun = await healthzWhile(healthAgent, broker.port, created);
      await created;
      during.async.push(...asyncRun.latencies);
      served.async += asyncRun.latencies.length;

      // The contrast: the same 4 keys made with generateKeyPairSync in this process, as the broker used to.
      const syncDone = new Promise<void>((resolve) =>
        setImmediate(() => {
          const started = performance.now();
          for (let i = 0; i < KEYS; i++)
            generateKeyPairSync('rsa', { modulusLength: RSA_BITS }).privateKey.export({ type: 'pkcs8', format: 'pem' });
          window.sync.push(performance.now() - started);
          resolve();
        }),
      );
      const syncRun = await healthzWhile(healthAgent, broker.port, syncDone);
      during.sync.push(...syncRun.latencies);
      served.sync += syncRun.latencies.length;
    }
  } finally {
    healthAgent.destroy();
    writeAgent.destroy();
    await broker.close();
  }

  const idleStats = summarize(idle);
  const asyncStats = summarize(during.async);
  const syncStats = summarize(during.sync);
  const asyncWindow = summarize(window.async);
  const syncWindow = summarize(window.sync);
  const perSecond = (count: number, windows: number[]) => {
    const rate = count / (windows.reduce((a, b) => a + b, 0) / 1000);
    return rate < 10 ? rate.toFixed(2) : rate.toFixed(0);
  };
  const versus = (label: string, stats: Stats) => [
    label,
    ratio(stats.p50 / idleStats.p50),
    ratio(stats.p99 / idleStats.p99),
    ratio(stats.max / idleStats.max),
  ];
  return {
    tables: [
      {
        title: `GET /healthz latency, sequential over one keep-alive connection (${ROUNDS} rounds, interleaved)`,
        columns: STATS_COLUMNS,
        rows: [
          statsRow('idle', idleStats),
          statsRow(
            `while a POST generates ${KEYS} RSA-${RSA_BITS} keys (async, ${MAX_CONCURRENT_KEY_PAIRS} at a time)`,
            asyncStats,
          ),
          statsRow(`while generateKeyPairSync makes the same ${KEYS} keys in-process`, syncStats),
        ],
      },
      {
        title: `Making ${KEYS} RSA-${RSA_BITS} keys`,
        columns: ['measurement', 'n', 'median', 'max', '/healthz answered per second meanwhile'],
        rows: [
          [
            'POST /v1/namespaces/default/secrets (whole request)',
            asyncWindow.n,
            ms(asyncWindow.p50),
            ms(asyncWindow.max),
            perSecond(served.async, window.async),
          ],
          [
            'generateKeyPairSync × 4 on the event loop',
            syncWindow.n,
            ms(syncWindow.p50),
            ms(syncWindow.max),
            perSecond(served.sync, window.sync),
          ],
        ],
      },
      {
        title: 'Ratios to idle (measured side by side in this run)',
        columns: ['/healthz while keys are made', 'p50', 'p99', 'max'],
        rows: [versus('async (the broker)', asyncStats), versus('generateKeyPairSync (contrast)', syncStats)],
      },
    ],
    notes: [
      `The broker's keep-alive timeout is raised to ${KEEP_ALIVE_TIMEOUT_MS / 1000} s for this suite: with the default 5 s, the sync batch blocks the loop so long that the idle timer fires before the waiting request is read and the connection is reset (one more way a blocked loop hurts callers).`,
      'Client, broker and emulator share one Node process: every /healthz request waits for the one event loop, which is what a blocked loop does to every caller of a real broker (probes included).',
      `The async window counts /healthz requests issued from just after the POST until its response; the sync window from just before the generateKeyPairSync calls until they return (a request in flight then waits for all ${KEYS} keys).`,
      'The key-generation threads compete with the event loop for the cores, so /healthz slows somewhat even though nothing blocks the loop; and the POST may take longer than the sync batch, because the /healthz loop keeps one core busy while the two generation threads share the rest (the sync batch has a core to itself while it starves everyone else). RSA prime search also varies a lot from key to key.',
      `Warm-up: ${WARMUP_REQUESTS} requests. Rounds: ${ROUNDS} × (${IDLE_REQUESTS} idle requests, one POST, one sync batch).`,
    ],
  };
}

export const keygenSuite: Suite = {
  name: 'keygen',
  title: 'Key generation and the event loop (`src/secrets/generators.ts`)',
  description: `How long \`/healthz\` takes on the real broker (in-process, SQLite, emulator, 127.0.0.1) while one request generates ${KEYS} RSA-${RSA_BITS} keys through the async \`crypto.generateKeyPair\` (libuv pool, at most ${MAX_CONCURRENT_KEY_PAIRS} at once), against the same keys made with \`generateKeyPairSync\` on the event loop, as the broker used to.`,
  run,
};
