import { Agent, request } from 'node:https';
import { performance } from 'node:perf_hooks';
import { CoreV1Api, KubeConfig, VersionApi, Watch, type V1Secret } from '@kubernetes/client-node';
import { KubernetesEmulator } from '../../src/emulator/index.js';
import {
  type Suite,
  type SuiteReport,
  type Table,
  STATS_COLUMNS,
  currentRssMiB,
  interleave,
  mib,
  ms,
  peakRssMiB,
  pool,
  ratio,
  sample,
  statsRow,
  summarize,
  time,
} from '../harness.js';

const STARTS = 20;
const SECRETS = 10_000;
const CREATE_CONCURRENCY = 8;
const BUCKETS = 100; // label `bucket` takes 100 values, so `bucket=N` matches 1%
const PAGE = 500;
const GETS = 500;
const LIST_REPS = 5;
const PAGED_REPS = 5;
const SELECTOR_REPS = 20;
const WATCH_REPS = 3;
const WATCH_TIMEOUT_MS = 30_000;
const NAMESPACE = 'bench';

const name = (i: number): string => `secret-${String(i).padStart(5, '0')}`;

function secretBody(i: number): V1Secret {
  return {
    metadata: {
      name: name(i),
      labels: { app: 'bench', bucket: String(i % BUCKETS), tier: i % 2 ? 'odd' : 'even' },
      annotations: { 'bench/index': String(i) },
    },
    type: 'Opaque',
    data: {
      username: Buffer.from(`user-${i}`).toString('base64'),
      password: Buffer.from(`pw-${i}-`.padEnd(32, 'x')).toString('base64'),
    },
  };
}

/** A deterministic pseudo-random sequence (so runs pick the same names). */
function lcg(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

/**
 * GET over HTTPS with Node's own client (trusting the emulator CA) and JSON.parse: the floor under client-node.
 * With keepAlive false every request opens a new TLS connection, as client-node 1.4 does (it builds a new agent per request).
 */
function rawGetter(
  emulator: KubernetesEmulator,
  keepAlive: boolean,
): { get: (path: string) => Promise<unknown>; close: () => void } {
  const agent = new Agent({ keepAlive, ca: emulator.caPem, maxSockets: 4 });
  const base = new URL(emulator.httpsUrl);
  const get = (path: string): Promise<unknown> =>
    new Promise((resolve, reject) => {
      const req = request(
        {
          host: base.hostname,
          port: base.port,
          path,
          method: 'GET',
          agent,
          headers: { authorization: `Bearer ${emulator.adminToken}`, accept: 'application/json' },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            if (res.statusCode !== 200) reject(new Error(`GET ${path}: ${res.statusCode}`));
            else resolve(JSON.parse(Buffer.concat(chunks).toString('utf8')));
          });
          res.on('error', reject);
        },
      );
      req.on('error', reject);
      req.end();
    });
  return { get, close: () => agent.destroy() };
}

/** Watches from resourceVersion 0 and resolves with the time to the first and to the `count`-th ADDED event. */
async function watchInitial(kc: KubeConfig, count: number): Promise<{ first: number; all: number }> {
  const watch = new Watch(kc);
  const started = performance.now();
  let first = Number.NaN;
  let seen = 0;
  let controller: AbortController | undefined;
  let finished = false;
  const result = await new Promise<{ first: number; all: number }>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`watch: only ${seen} of ${count} events after ${WATCH_TIMEOUT_MS} ms`)),
      WATCH_TIMEOUT_MS,
    );
    const settle = (value: { first: number; all: number } | Error): void => {
      if (finished) return;
      finished = true;
      clearTimeout(timer);
      if (value instanceof Error) reject(value);
      else resolve(value);
    };
    void watch
      .watch(
        `/api/v1/namespaces/${NAMESPACE}/secrets`,
        { resourceVersion: '0' },
        (type) => {
          if (type !== 'ADDED') return;
          if (seen === 0) first = performance.now() - started;
          if (++seen === count) settle({ first, all: performance.now() - started });
        },
        (err: unknown) =>
          settle(err instanceof Error ? err : new Error(`watch ended after ${seen} of ${count} events`)),
      )
      .then(
        (c) => {
          controller = c;
          if (finished) c.abort();
        },
        (err: unknown) => settle(err instanceof Error ? err : new Error(String(err))),
      );
  });
  controller?.abort();
  return result;
}

async function startups(): Promise<{ times: number[]; stops: number[] }> {
  const times: number[] = [];
  const stops: number[] = [];
  for (let i = 0; i < STARTS; i++) {
    let emulator: KubernetesEmulator | undefined;
    times.push(await time(async () => (emulator = await KubernetesEmulator.start())));
    stops.push(await time(() => emulator!.stop()));
  }
  return { times, stops };
}

async function run(): Promise<SuiteReport> {
  const tables: Table[] = [];
  const notes: string[] = [];

  // (1) Start-up: fresh in-process emulators, one at a time.
  const { times, stops } = await startups();
  const start = summarize(times);
  tables.push({
    title: `Start-up: ${STARTS} × KubernetesEmulator.start() then stop() (target: under 1 s)`,
    columns: ['measurement', 'n', 'min', 'median', 'p95', 'max', 'first (cold)'],
    rows: [
      ['start()', start.n, ms(start.min), ms(start.p50), ms(start.p95), ms(start.max), ms(times[0])],
      [
        'stop()',
        stops.length,
        ms(summarize(stops).min),
        ms(summarize(stops).p50),
        ms(summarize(stops).p95),
        ms(summarize(stops).max),
        ms(stops[0]),
      ],
    ],
  });

  // (2) One emulator with 10,000 secrets, driven through client-node over HTTPS.
  const emulator = await KubernetesEmulator.start();
  const raw = rawGetter(emulator, true);
  const rawFresh = rawGetter(emulator, false);
  try {
    const kc = new KubeConfig();
    kc.loadFromString(emulator.kubeconfig());
    const core = kc.makeApiClient(CoreV1Api);
    const version = kc.makeApiClient(VersionApi);
    await core.createNamespace({ body: { metadata: { name: NAMESPACE } } });
    const rssBefore = currentRssMiB();

    const createStarted = performance.now();
    const creates = await pool(SECRETS, CREATE_CONCURRENCY, (i) =>
      core.createNamespacedSecret({ namespace: NAMESPACE, body: secretBody(i) }),
    );
    const createTotal = performance.now() - createStarted;
    const rssLoaded = currentRssMiB();

    const check = await core.listNamespacedSecret({ namespace: NAMESPACE });
    if (check.items.length !== SECRETS) throw new Error(`expected ${SECRETS} secrets, listed ${check.items.length}`);

    // Full unpaged list: client-node and the raw HTTPS floor, alternately.
    const [lists, rawLists] = await interleave(
      LIST_REPS,
      [
        () => core.listNamespacedSecret({ namespace: NAMESPACE }),
        () => raw.get(`/api/v1/namespaces/${NAMESPACE}/secrets`),
      ],
      1,
    );

    // Paging with limit=500: total per pass, and each page.
    const pageTimes: number[] = [];
    let pagesPerPass = 0;
    const passes = await sample(PAGED_REPS, async () => {
      let token: string | undefined;
      let pages = 0;
      let items = 0;
      do {
        let page: Awaited<ReturnType<CoreV1Api['listNamespacedSecret']>> | undefined;
        pageTimes.push(
          await time(
            async () =>
              (page = await core.listNamespacedSecret({ namespace: NAMESPACE, limit: PAGE, _continue: token })),
          ),
        );
        items += page!.items.length;
        token = page!.metadata?._continue || undefined;
        pages++;
      } while (token && pages <= SECRETS / PAGE + 1);
      if (items !== SECRETS) throw new Error(`paging returned ${items} items`);
      pagesPerPass = pages;
    });

    // Label selector matching 1% (100 of 10,000), a different bucket each time.
    const selectorCounts = new Set<number>();
    const selectors = await sample(
      SELECTOR_REPS,
      async (i) => {
        const res = await core.listNamespacedSecret({
          namespace: NAMESPACE,
          labelSelector: `bucket=${(i * 37) % BUCKETS}`,
        });
        selectorCounts.add(res.items.length);
      },
      1,
    );
    if (selectorCounts.size !== 1 || !selectorCounts.has(SECRETS / BUCKETS))
      throw new Error(`selector matched ${[...selectorCounts].join('/')} items`);

    // Single gets, interleaved with GET /version (the cheapest authenticated round trip) and raw gets of the same secret.
    const pick = lcg(42);
    const picks = Array.from({ length: GETS }, () => name(Math.floor(pick() * SECRETS)));
    const [gets, versions, rawGets, rawFreshGets] = await interleave(
      GETS,
      [
        (i) => core.readNamespacedSecret({ namespace: NAMESPACE, name: picks[i] }),
        () => version.getCode(),
        (i) => raw.get(`/api/v1/namespaces/${NAMESPACE}/secrets/${picks[i]}`),
        (i) => rawFresh.get(`/api/v1/namespaces/${NAMESPACE}/secrets/${picks[i]}`),
      ],
      20,
    );

    // Watch from resourceVersion 0: the server sends every current object as ADDED.
    const watches: Array<{ first: number; all: number }> = [];
    for (let i = 0; i < WATCH_REPS; i++) watches.push(await watchInitial(kc, SECRETS));

    const create = summarize(creates);
    const list = summarize(lists);
    const rawList = summarize(rawLists);
    const paged = summarize(passes);
    const perPage = summarize(pageTimes);
    const selector = summarize(selectors);
    const get = summarize(gets);
    const ver = summarize(versions);
    const rawGet = summarize(rawGets);
    const rawFreshGet = summarize(rawFreshGets);
    const watchFirst = summarize(watches.map((w) => w.first));
    const watchAll = summarize(watches.map((w) => w.all));

    tables.push({
      title: `${SECRETS.toLocaleString('en-US')} secrets, through @kubernetes/client-node (CoreV1Api) over HTTPS`,
      columns: STATS_COLUMNS,
      rows: [
        statsRow(`create (${CREATE_CONCURRENCY} in flight), per request`, create),
        statsRow('full unpaged list (10,000 items)', list),
        statsRow(`paged list, limit=${PAGE}: whole pass (${pagesPerPass} pages)`, paged),
        statsRow(`paged list, limit=${PAGE}: per page`, perPage),
        statsRow(`label selector matching 1% (${SECRETS / BUCKETS} items)`, selector),
        statsRow('get one secret', get),
        statsRow('GET /version (baseline round trip)', ver),
        statsRow('watch from rv=0: first ADDED event', watchFirst),
        statsRow(`watch from rv=0: all ${SECRETS.toLocaleString('en-US')} ADDED events`, watchAll),
        statsRow('raw node:https + JSON.parse: full list', rawList),
        statsRow('raw node:https + JSON.parse: get one secret (keep-alive)', rawGet),
        statsRow('raw node:https + JSON.parse: get one secret (new TLS connection)', rawFreshGet),
      ],
    });
    tables.push({
      title: 'Ratios (measured side by side in this run; medians)',
      columns: ['ratio', 'value'],
      rows: [
        ['paged pass (limit=500) / full unpaged list', ratio(paged.p50 / list.p50)],
        ['1% label-selector list / full unpaged list', ratio(selector.p50 / list.p50)],
        ['full list: client-node / raw HTTPS + JSON.parse', ratio(list.p50 / rawList.p50)],
        ['get one secret / GET /version (interleaved)', ratio(get.p50 / ver.p50)],
        ['get one secret: client-node / raw HTTPS keep-alive (interleaved)', ratio(get.p50 / rawGet.p50)],
        ['get one secret: client-node / raw HTTPS new connection (interleaved)', ratio(get.p50 / rawFreshGet.p50)],
        ['watch rv=0, all events / full unpaged list', ratio(watchAll.p50 / list.p50)],
      ],
    });
    tables.push({
      title: 'Throughput and memory',
      columns: ['measurement', 'value'],
      rows: [
        [
          `create ${SECRETS.toLocaleString('en-US')} secrets, ${CREATE_CONCURRENCY} in flight`,
          `${(createTotal / 1000).toFixed(2)} s (${Math.round(SECRETS / (createTotal / 1000))} creates/s)`,
        ],
        ['RSS before loading / after loading', `${mib(rssBefore)} / ${mib(rssLoaded)}`],
        ['peak RSS of the process (emulator and client together)', mib(peakRssMiB())],
      ],
    });
    notes.push(
      'Emulator and client share one Node process and thread, so every latency includes client-side work (client-node serialization, JSON parsing); the raw rows show the floor without client-node.',
      '@kubernetes/client-node 1.4 builds a new https.Agent for every request, so each of its calls (and each page of a paged list) pays a full TLS handshake; compare the two raw get rows.',
      `Each secret: 3 labels, 1 annotation, 2 data keys. Gets pick ${GETS} names from a fixed pseudo-random sequence; the selector list uses a different \`bucket=N\` each time.`,
      `Repetitions: ${LIST_REPS} full lists, ${PAGED_REPS} paged passes, ${SELECTOR_REPS} selector lists, ${GETS} gets, ${WATCH_REPS} watches (p95/p99 of small samples are simply the max).`,
    );
  } finally {
    raw.close();
    rawFresh.close();
    await emulator.stop();
  }
  return { tables, notes };
}

export const emulatorSuite: Suite = {
  name: 'emulator',
  title: 'Kubernetes API emulator (`src/emulator/`)',
  description:
    'Start-up time of the in-process emulator, then list, page, selector, get and watch latencies with 10,000 Secrets loaded, driven through `@kubernetes/client-node` over HTTPS on 127.0.0.1.',
  run,
};
