import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import jwt from 'jsonwebtoken';
import { KubernetesEmulator } from '../../src/emulator/index.js';
import { type Suite, type SuiteReport, mib, ms, ratio } from '../harness.js';
import { createBenchDatabase, type BenchDatabase } from '../support/databases.js';
import {
  firstJsonLine,
  peakRssOfMiB,
  runJson,
  startBuiltBroker,
  startChild,
  type Child,
} from '../support/processes.js';
import type { LoadJob, LoadResult } from '../processes/load.js';

const SECRETS = 100;
const SUBJECTS = 10;
const CONNECTIONS = 32;
const SECONDS = Number(process.env.BENCH_BROKER_SECONDS ?? 5);
const ROUNDS = Number(process.env.BENCH_BROKER_ROUNDS ?? 3);
const SIGNING_SECRET = randomBytes(32).toString('base64url');
const NAMESPACE = 'default';
const HERE = resolve(import.meta.dirname, '..');
const MAIN = resolve(HERE, '../../src/main.js');

type Scenario = 'bare' | 'healthz' | 'rest' | 'graphql';
const SCENARIOS: Scenario[] = ['bare', 'healthz', 'rest', 'graphql'];
const LABELS: Record<Scenario, string> = {
  bare: 'bare node:http `{"status":"ok"}`',
  healthz: 'broker `GET /healthz`',
  rest: 'broker `POST …/request` (REST)',
  graphql: 'broker `requestSecret` (GraphQL)',
};

interface Run extends LoadResult {
  readonly clusterCalls: number;
  readonly auditEvents: number;
  /** 2xx answers the broker itself counted (autocannon misses those still in flight when a run ends). */
  readonly served: number;
}

const ROUTES: Record<Scenario, string | undefined> = {
  bare: undefined,
  healthz: '/healthz',
  rest: '/v1/namespaces/:namespace/secrets/:name/request',
  graphql: '/graphql',
};

/** The broker's own count of 2xx answers on `route`, from its Prometheus histogram. */
async function servedCount(url: string, route: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  return text
    .split('\n')
    .filter(
      (line) =>
        line.startsWith('http_request_duration_seconds_count{') &&
        line.includes(`route="${route}"`) &&
        /status="2\d\d"/.test(line),
    )
    .reduce((sum, line) => sum + Number(line.slice(line.lastIndexOf(' ') + 1)), 0);
}

/** Waits until the broker has answered every request of a run (the count stops moving). */
async function settledCount(url: string, route: string): Promise<number> {
  let previous = -1;
  for (;;) {
    const current = await servedCount(url, route);
    if (current === previous) return current;
    previous = current;
    await new Promise((resolve) => setTimeout(resolve, 300));
  }
}

const token = (sub: string) => jwt.sign({ sub }, SIGNING_SECRET, { algorithm: 'HS256', expiresIn: '2h' });
const secretName = (i: number) => `bench-${String(i).padStart(3, '0')}`;

/** The built broker (`dist/src/main.js`) in its own process, against the emulator and `database`. */
async function startBroker(
  emulator: KubernetesEmulator,
  database: BenchDatabase,
  directory: string,
  main: string,
): Promise<{ child: Child; url: string }> {
  const kubeconfig = join(directory, 'kubeconfig.json');
  await emulator.writeKubeconfig(kubeconfig);
  return startBuiltBroker(main, {
    DATABASE_URL: database.url,
    KUBECONFIG: kubeconfig,
    JWT_HS256_SECRET: SIGNING_SECRET,
    BOOTSTRAP_ADMINS: 'user:bench-admin',
    RATE_LIMIT_PER_MINUTE: '1000000',
  });
}

async function call(url: string, path: string, body: unknown, sub = 'bench-admin'): Promise<void> {
  const response = await fetch(`${url}${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token(sub)}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  if (response.status >= 300) throw new Error(`POST ${path}: ${response.status} ${await response.text()}`);
}

async function seed(url: string): Promise<void> {
  for (let i = 0; i < SECRETS; i++)
    await call(url, `/v1/namespaces/${NAMESPACE}/secrets`, {
      name: secretName(i),
      generate: { password: { type: 'password' } },
    });
  for (let s = 0; s < SUBJECTS; s++)
    await call(url, '/v1/grants', { subject: `user:app-${s}`, role: 'reader', namespace: NAMESPACE });
}

export function job(
  scenario: Scenario,
  brokerUrl: string,
  bareUrl: string,
  size: Pick<LoadJob, 'amount' | 'durationSeconds'>,
): LoadJob {
  const tokens = Array.from({ length: SUBJECTS }, (_, s) => token(`app-${s}`));
  const reads = (build: (name: string, auth: string) => LoadJob['requests'][number]) =>
    Array.from({ length: SECRETS * SUBJECTS }, (_, i) =>
      build(secretName(i % SECRETS), `Bearer ${tokens[Math.floor(i / SECRETS)]}`),
    );
  const base = { connections: CONNECTIONS, ...size };
  switch (scenario) {
    case 'bare':
      return { ...base, url: bareUrl, requests: [{ method: 'GET', path: '/healthz' }] };
    case 'healthz':
      return { ...base, url: brokerUrl, requests: [{ method: 'GET', path: '/healthz' }] };
    case 'rest':
      return {
        ...base,
        url: brokerUrl,
        requests: reads((name, authorization) => ({
          method: 'POST',
          path: `/v1/namespaces/${NAMESPACE}/secrets/${name}/request`,
          headers: { authorization, 'content-type': 'application/json' },
          body: '{}',
        })),
      };
    case 'graphql':
      return {
        ...base,
        url: brokerUrl,
        requests: reads((name, authorization) => ({
          method: 'POST',
          path: '/graphql',
          headers: { authorization, 'content-type': 'application/json' },
          body: JSON.stringify({
            query: `mutation { requestSecret(namespace: "${NAMESPACE}", name: "${name}") { version values { key value } } }`,
          }),
        })),
      };
  }
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

/** A build of the broker to measure: this one, and optionally another (BENCH_COMPARE_MAIN) beside it. */
export interface Build {
  readonly label: string;
  readonly main: string;
}

export const BUILDS: Build[] = [
  { label: 'this build', main: MAIN },
  ...(process.env.BENCH_COMPARE_MAIN
    ? [{ label: process.env.BENCH_COMPARE_LABEL ?? 'compared build', main: resolve(process.env.BENCH_COMPARE_MAIN) }]
    : []),
];

export interface Target {
  readonly build: Build;
  readonly emulator: KubernetesEmulator;
  readonly database: BenchDatabase;
  readonly broker: { child: Child; url: string };
  readonly directory: string;
}

export async function startTarget(kind: 'sqlite' | 'postgres', build: Build): Promise<Target> {
  const emulator = await KubernetesEmulator.start();
  const directory = mkdtempSync(join(tmpdir(), 'broker-bench-'));
  const database = await createBenchDatabase(kind);
  const broker = await startBroker(emulator, database, directory, build.main);
  await seed(broker.url);
  return { build, emulator, database, broker, directory };
}

export async function stopTarget(target: Target): Promise<void> {
  await target.broker.child.stop();
  await target.emulator.stop();
  await target.database.drop();
  rmSync(target.directory, { recursive: true, force: true });
}

/** One measured run of `scenario` against `target` (bare node:http when there is none). */
async function measureRun(
  target: Target,
  scenario: Scenario,
  bareUrl: string,
  amount: number | undefined,
): Promise<Run> {
  const loadScript = resolve(HERE, 'processes/load.js');
  const jobFile = join(target.directory, `${scenario}.json`);
  const size = amount === undefined ? { durationSeconds: 1 } : { amount };
  writeFileSync(jobFile, JSON.stringify(job(scenario, target.broker.url, bareUrl, size)));
  const route = ROUTES[scenario];
  const servedBefore = route ? await servedCount(target.broker.url, route) : 0;
  const callsBefore = target.emulator.requests.length;
  const eventsBefore = await target.database.count('audit_events');
  const result = await runJson<LoadResult>(loadScript, [jobFile]);
  const served = route ? (await settledCount(target.broker.url, route)) - servedBefore : result.ok;
  const clusterCalls = target.emulator.requests
    .slice(callsBefore)
    .filter((request) => request.path.includes('/secrets/')).length;
  return { ...result, served, clusterCalls, auditEvents: (await target.database.count('audit_events')) - eventsBefore };
}

interface Measured {
  readonly target: Target;
  readonly scenario: Scenario;
  readonly runs: Run[];
}

/**
 * Every (build, scenario) pair, alternating round after round so machine noise hits them alike.
 * A warm-up run per pair sizes its measured runs: a fixed number of requests, about SECONDS
 * long, so every request sent is answered and counted before the next run starts.
 */
async function measure(
  kind: 'sqlite' | 'postgres',
  bareUrl: string,
): Promise<{ measured: Measured[]; peakRss: Map<Build, number> }> {
  const targets: Target[] = [];
  try {
    for (const build of BUILDS) targets.push(await startTarget(kind, build));
    const pairs: Measured[] = targets.flatMap((target, index) =>
      SCENARIOS.filter((scenario) => scenario !== 'bare' || index === 0).map((scenario) => ({
        target,
        scenario,
        runs: [] as Run[],
      })),
    );
    const amounts = new Map<Measured, number>();
    for (const pair of pairs) {
      const warmUp = await measureRun(pair.target, pair.scenario, bareUrl, undefined);
      amounts.set(pair, Math.max(200, Math.round(warmUp.requestsPerSecond * SECONDS)));
    }
    for (let round = 0; round < ROUNDS; round++) {
      for (const pair of pairs)
        pair.runs.push(await measureRun(pair.target, pair.scenario, bareUrl, amounts.get(pair)));
    }
    return {
      measured: pairs,
      peakRss: new Map(
        targets.map((target) => [target.build, peakRssOfMiB(target.broker.child.process.pid as number)]),
      ),
    };
  } finally {
    for (const target of targets) await stopTarget(target);
  }
}

function rowOf(pair: Measured): Array<string | number> {
  const { runs, scenario } = pair;
  const served = runs.reduce((sum, run) => sum + run.served, 0);
  const isRead = scenario === 'rest' || scenario === 'graphql';
  const label =
    scenario === 'bare' ? LABELS.bare : `${LABELS[scenario]}${BUILDS.length > 1 ? `, ${pair.target.build.label}` : ''}`;
  return [
    label,
    median(runs.map((run) => run.requestsPerSecond)).toFixed(0),
    ms(median(runs.map((run) => run.p50Ms))),
    ms(median(runs.map((run) => run.p99Ms))),
    runs.reduce((sum, run) => sum + run.non2xx + run.errors, 0),
    isRead ? (runs.reduce((sum, run) => sum + run.clusterCalls, 0) / Math.max(1, served)).toFixed(2) : '—',
    isRead ? `${runs.reduce((sum, run) => sum + run.auditEvents, 0)} / ${served}` : '—',
  ];
}

export const brokerSuite: Suite = {
  name: 'broker',
  title: 'Broker request path (`dist/src/main.js`, SQLite and PostgreSQL)',
  description: `The built broker in its own process (NODE_ENV=production) against an in-process Kubernetes API emulator (one per broker), loaded by autocannon from a third process with ${CONNECTIONS} keep-alive connections for runs of about ${SECONDS} s (a fixed number of requests sized by a warm-up run, so none is left in flight), the scenarios alternating (bare node:http, /healthz, REST read, GraphQL read) for ${ROUNDS} rounds; medians of the rounds. Reads spread over ${SECRETS} secrets × ${SUBJECTS} subjects holding real HS256 JWTs and reader grants; every read is authorised and audited. With BENCH_COMPARE_MAIN, a second build runs beside this one in the same rounds.`,
  async run(): Promise<SuiteReport> {
    const bare = startChild(resolve(HERE, 'processes/bare-server.js'));
    try {
      const { port } = await firstJsonLine<{ port: number }>(bare);
      const bareUrl = `http://127.0.0.1:${port}`;
      const tables: SuiteReport['tables'] = [];
      const ratios: Array<[string, string]> = [];
      for (const kind of ['sqlite', 'postgres'] as const) {
        const { measured, peakRss } = await measure(kind, bareUrl);
        const rps = (build: Build, scenario: Scenario) =>
          median(
            measured
              .find((pair) => pair.scenario === scenario && (scenario === 'bare' || pair.target.build === build))
              ?.runs.map((run) => run.requestsPerSecond) ?? [],
          );
        const database = kind === 'sqlite' ? 'SQLite' : 'PostgreSQL';
        tables.push({
          title: `${database} (broker peak RSS ${BUILDS.map((build) => `${mib(peakRss.get(build) ?? Number.NaN)}${BUILDS.length > 1 ? ` ${build.label}` : ''}`).join(', ')})`,
          columns: [
            'scenario',
            'req/s',
            'p50',
            'p99',
            'non-2xx + errors',
            'Kubernetes API calls per read',
            'audit events / reads served',
          ],
          rows: measured.map(rowOf),
        });
        for (const build of BUILDS) {
          const which = BUILDS.length > 1 ? `, ${build.label}` : '';
          ratios.push(
            [
              `${kind}${which}: /healthz ÷ bare node:http (target ≥ 0.4)`,
              ratio(rps(build, 'healthz') / rps(build, 'bare')),
            ],
            [`${kind}${which}: REST read ÷ /healthz (target ≥ 0.5)`, ratio(rps(build, 'rest') / rps(build, 'healthz'))],
            [
              `${kind}${which}: GraphQL read ÷ REST read (target ≥ 0.8)`,
              ratio(rps(build, 'graphql') / rps(build, 'rest')),
            ],
          );
        }
        if (BUILDS.length > 1) {
          for (const scenario of ['healthz', 'rest', 'graphql'] as const) {
            ratios.push([
              `${kind}: ${scenario}, ${BUILDS[0].label} ÷ ${BUILDS[1].label}`,
              ratio(rps(BUILDS[0], scenario) / rps(BUILDS[1], scenario)),
            ]);
          }
        }
      }
      tables.push({
        title: 'Ratios (medians, measured side by side in this run)',
        columns: ['ratio', 'value'],
        rows: ratios,
      });
      return {
        tables,
        notes: [
          'Kubernetes API calls per read counts the emulator requests for single secrets during the read runs, divided by the reads the broker served (its own count from /metrics).',
          'Audit events / reads served: every read writes exactly one audit event (its decision); a mismatch would mean lost or extra events.',
          'The emulators run in the benchmark process, the load generator in a process of its own, each broker in its own; all share the 2 cores.',
        ],
      };
    } finally {
      await bare.stop();
    }
  },
};
