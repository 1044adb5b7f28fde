import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import jwt from 'jsonwebtoken';
import { KubernetesEmulator } from '../../src/emulator/index.js';
import { servingCert } from '../../src/emulator/tls.js';
import { ms } from '../harness.js';
import type { LoadJob, LoadResult } from '../processes/load.js';
import { createBenchDatabase, type BenchDatabase } from './databases.js';
import { send, type Endpoint } from './loopback-http.js';
import {
  cpuMillisecondsOf,
  firstJsonLine,
  peakRssOfMiB,
  runJson,
  startBuiltBroker,
  startChild,
  type Child,
} from './processes.js';

/**
 * The built broker under load, shared by the suites that measure its request path (broker,
 * production, read-profile, soak): targets (a build on a database, with or without Redis and TLS)
 * seeded alike, autocannon jobs for each scenario, and measured runs that count what the broker
 * served, the audit events it wrote and the Kubernetes API calls it made.
 */

const SECRETS = 100;
const SUBJECTS = 10;
export const CONNECTIONS = 32;
export const SECONDS = Number(process.env.BENCH_BROKER_SECONDS ?? 5);
export const ROUNDS = Number(process.env.BENCH_BROKER_ROUNDS ?? 3);
export const READ_SPREAD = `${SECRETS} secrets × ${SUBJECTS} subjects`;
const SIGNING_SECRET = randomBytes(32).toString('base64url');
const NAMESPACE = 'default';
const HERE = resolve(import.meta.dirname, '..');
const MAIN = resolve(HERE, '../../src/main.js');
export const REDIS_URL = process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';

/**
 * The bare servers: a node:http(s) server answering the health check's JSON, and Apollo Server on
 * Fastify answering `{ __typename }` (bench/processes). `graphql-floor` asks the broker the same
 * `{ __typename }` without a token: GraphQL's fixed cost per request, no resolver run.
 */
export type BareScenario = 'bare' | 'bare-apollo';
export type Scenario = BareScenario | 'healthz' | 'graphql-floor' | 'rest' | 'graphql';
export const SCENARIOS: Scenario[] = ['bare', 'bare-apollo', 'healthz', 'graphql-floor', 'rest', 'graphql'];
const isBare = (scenario: Scenario): scenario is BareScenario => scenario === 'bare' || scenario === 'bare-apollo';
const LABELS: Record<Exclude<Scenario, 'bare'>, string> = {
  'bare-apollo': 'bare Fastify + Apollo Server `{ __typename }`',
  healthz: 'broker `GET /healthz`',
  'graphql-floor': 'broker `{ __typename }` (GraphQL, no token)',
  rest: 'broker `POST …/request` (REST)',
  graphql: 'broker `requestSecret` (GraphQL)',
};
const ROUTES: Record<Exclude<Scenario, BareScenario>, string> = {
  healthz: '/healthz',
  'graphql-floor': '/graphql',
  rest: '/v1/namespaces/:namespace/secrets/:name/request',
  graphql: '/graphql',
};
const TYPENAME_QUERY = JSON.stringify({ query: '{ __typename }' });

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

/** One broker to start: a build on a database, with extra environment (REDIS_URL) and optionally TLS. */
export interface TargetSpec {
  readonly label: string;
  readonly build: Build;
  readonly kind: 'sqlite' | 'postgres';
  readonly env?: Record<string, string>;
  readonly tls?: boolean;
  /** Options for node running the broker, e.g. `--cpu-prof`. */
  readonly nodeArgs?: string[];
}

export interface Target {
  readonly spec: TargetSpec;
  readonly emulator: KubernetesEmulator;
  readonly database: BenchDatabase;
  readonly broker: { child: Child; url: string; endpoint: Endpoint };
  readonly directory: string;
}

/** One measured run of a scenario. */
export interface Run extends LoadResult {
  readonly clusterCalls: number;
  readonly auditEvents: number;
  /** 2xx answers the broker itself counted (autocannon misses those still in flight when a run ends). */
  readonly served: number;
  /** CPU the answering process (the broker, or the bare server) used during the run, in milliseconds. */
  readonly serverCpuMs: number;
}

export interface Measured {
  readonly target: Target;
  readonly scenario: Scenario;
  readonly runs: Run[];
}

const token = (sub: string) => jwt.sign({ sub }, SIGNING_SECRET, { algorithm: 'HS256', expiresIn: '2h' });
const secretName = (i: number) => `bench-${String(i).padStart(3, '0')}`;
export const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

/** A self-signed certificate for 127.0.0.1 written to `directory`: its files and the PEM to trust. */
export async function certificateIn(directory: string): Promise<{ certFile: string; keyFile: string; ca: string }> {
  const { cert, key } = await servingCert('127.0.0.1');
  const certFile = join(directory, 'tls.crt');
  const keyFile = join(directory, 'tls.key');
  writeFileSync(certFile, cert);
  writeFileSync(keyFile, key, { mode: 0o600 });
  return { certFile, keyFile, ca: cert };
}

export interface BareServer {
  readonly child: Child;
  readonly endpoint: Endpoint;
}
export type BareServers = Record<BareScenario, BareServer>;

/** The bare servers (over https with `tls`) the broker is compared with. */
export async function startBareServers(tls?: { certFile: string; keyFile: string; ca: string }): Promise<BareServers> {
  const start = async (script: string): Promise<BareServer> => {
    const child = startChild(resolve(HERE, script), tls ? [tls.certFile, tls.keyFile] : []);
    const { port } = await firstJsonLine<{ port: number }>(child);
    return { child, endpoint: { url: `${tls ? 'https' : 'http'}://127.0.0.1:${port}`, ca: tls?.ca } };
  };
  return {
    bare: await start('processes/bare-server.js'),
    'bare-apollo': await start('processes/bare-apollo-server.js'),
  };
}

export async function stopBareServers(bares: BareServers): Promise<void> {
  await Promise.all(Object.values(bares).map((bare) => bare.child.stop()));
}

async function call(endpoint: Endpoint, path: string, body: unknown, sub = 'bench-admin'): Promise<void> {
  const answer = await send(endpoint, path, {
    method: 'POST',
    headers: { authorization: `Bearer ${token(sub)}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  if (answer.status >= 300) throw new Error(`POST ${path}: ${answer.status} ${answer.text}`);
}

async function seed(endpoint: Endpoint): Promise<void> {
  for (let i = 0; i < SECRETS; i++)
    await call(endpoint, `/v1/namespaces/${NAMESPACE}/secrets`, {
      name: secretName(i),
      generate: { password: { type: 'password' } },
    });
  for (let s = 0; s < SUBJECTS; s++)
    await call(endpoint, '/v1/grants', { subject: `user:app-${s}`, role: 'reader', namespace: NAMESPACE });
}

export async function startTarget(spec: TargetSpec): Promise<Target> {
  const emulator = await KubernetesEmulator.start();
  const directory = mkdtempSync(join(tmpdir(), 'broker-bench-'));
  const database = await createBenchDatabase(spec.kind);
  const kubeconfig = join(directory, 'kubeconfig.json');
  await emulator.writeKubeconfig(kubeconfig);
  const broker = await startBuiltBroker(
    spec.build.main,
    {
      DATABASE_URL: database.url,
      KUBECONFIG: kubeconfig,
      JWT_HS256_SECRET: SIGNING_SECRET,
      BOOTSTRAP_ADMINS: 'user:bench-admin',
      RATE_LIMIT_PER_MINUTE: '1000000',
      ...spec.env,
    },
    spec.tls ? await certificateIn(directory) : undefined,
    spec.nodeArgs,
  );
  await seed(broker.endpoint);
  return { spec, emulator, database, broker, directory };
}

export async function stopTarget(target: Target): Promise<void> {
  await target.broker.child.stop();
  await target.emulator.stop();
  await target.database.drop();
  rmSync(target.directory, { recursive: true, force: true });
}

/** The autocannon job of `scenario` against `url`: reads cycle through every secret for every subject. */
export function job(scenario: Scenario, url: string, size: Pick<LoadJob, 'amount' | 'durationSeconds'>): LoadJob {
  const tokens = Array.from({ length: SUBJECTS }, (_, s) => token(`app-${s}`));
  const reads = (build: (name: string, auth: string) => LoadJob['requests'][number]) =>
    Array.from({ length: SECRETS * SUBJECTS }, (_, i) =>
      build(secretName(i % SECRETS), `Bearer ${tokens[Math.floor(i / SECRETS)]}`),
    );
  const base = { connections: CONNECTIONS, url, ...size };
  switch (scenario) {
    case 'bare':
    case 'healthz':
      return { ...base, requests: [{ method: 'GET', path: '/healthz' }] };
    case 'bare-apollo':
    case 'graphql-floor':
      return {
        ...base,
        requests: [
          { method: 'POST', path: '/graphql', headers: { 'content-type': 'application/json' }, body: TYPENAME_QUERY },
        ],
      };
    case 'rest':
      return {
        ...base,
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

/** Runs one autocannon job against `target`'s broker (or `url`) from its own process. */
export function load(
  target: Target,
  scenario: Scenario,
  size: Pick<LoadJob, 'amount' | 'durationSeconds'>,
  url = target.broker.url,
) {
  const jobFile = join(target.directory, `${scenario}-${Date.now()}.json`);
  writeFileSync(jobFile, JSON.stringify(job(scenario, url, size)));
  return runJson<LoadResult>(resolve(HERE, 'processes/load.js'), [jobFile]);
}

/** The broker's own count of 2xx answers on `route`, from its Prometheus histogram. */
async function servedCount(endpoint: Endpoint, route: string): Promise<number> {
  const { text } = await send(endpoint, '/metrics');
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
async function settledCount(endpoint: Endpoint, route: string): Promise<number> {
  let previous = -1;
  for (;;) {
    const current = await servedCount(endpoint, route);
    if (current === previous) return current;
    previous = current;
    await new Promise((resolve) => setTimeout(resolve, 300));
  }
}

/** One measured run of `scenario` against `target` (its bare server when `scenario` is bare). */
async function measureRun(
  target: Target,
  scenario: Scenario,
  bares: BareServers,
  amount: number | undefined,
): Promise<Run> {
  const endpoint = target.broker.endpoint;
  const bare = isBare(scenario) ? bares[scenario] : undefined;
  const route = isBare(scenario) ? undefined : ROUTES[scenario];
  const servedBefore = route ? await servedCount(endpoint, route) : 0;
  const callsBefore = target.emulator.requests.length;
  const eventsBefore = await target.database.count('audit_events');
  const pid = (bare?.child ?? target.broker.child).process.pid as number;
  const cpuBefore = cpuMillisecondsOf(pid);
  const size = amount === undefined ? { durationSeconds: 1 } : { amount };
  const result = await load(target, scenario, size, bare?.endpoint.url);
  const serverCpuMs = cpuMillisecondsOf(pid) - cpuBefore;
  const served = route ? (await settledCount(endpoint, route)) - servedBefore : result.ok;
  const clusterCalls = target.emulator.requests
    .slice(callsBefore)
    .filter((request) => request.path.includes('/secrets/')).length;
  return {
    ...result,
    served,
    clusterCalls,
    serverCpuMs,
    auditEvents: (await target.database.count('audit_events')) - eventsBefore,
  };
}

/**
 * Every (target, scenario) pair, alternating round after round so machine noise hits them alike
 * (the bare servers once, beside the first target). A warm-up run per pair sizes its measured
 * runs: a fixed number of requests, about SECONDS long, so every request sent is answered and
 * counted before the next run starts. Returns each broker's peak RSS too.
 */
export async function measure(
  specs: readonly TargetSpec[],
  bares: BareServers,
): Promise<{ measured: Measured[]; peakRss: Map<TargetSpec, number> }> {
  const targets: Target[] = [];
  try {
    for (const spec of specs) targets.push(await startTarget(spec));
    const pairs: Measured[] = targets.flatMap((target, index) =>
      SCENARIOS.filter((scenario) => !isBare(scenario) || index === 0).map((scenario) => ({
        target,
        scenario,
        runs: [] as Run[],
      })),
    );
    const amounts = new Map<Measured, number>();
    for (const pair of pairs) {
      const warmUp = await measureRun(pair.target, pair.scenario, bares, undefined);
      amounts.set(pair, Math.max(200, Math.round(warmUp.requestsPerSecond * SECONDS)));
    }
    for (let round = 0; round < ROUNDS; round++) {
      for (const pair of pairs) pair.runs.push(await measureRun(pair.target, pair.scenario, bares, amounts.get(pair)));
    }
    return {
      measured: pairs,
      peakRss: new Map(targets.map((target) => [target.spec, peakRssOfMiB(target.broker.child.process.pid as number)])),
    };
  } finally {
    for (const target of targets) await stopTarget(target);
  }
}

export const CPU_PER_REQUEST_NOTE =
  'CPU per request: the user and system time of the process that answered (the broker, or the bare server) during the runs (/proc/<pid>/stat), divided by the requests it served. Unlike req/s it does not move with what else the machine runs, so the CPU ratio is the steadier reading of what GraphQL costs beside REST.';

export const GRAPHQL_FIXED_COST_NOTE =
  "GraphQL's fixed cost: `{ __typename }` runs no resolver, so what it costs beyond /healthz is the GraphQL layer alone (Apollo Server, its Fastify integration, the broker's plugins and context). The bare Fastify + Apollo Server beside the bare node:http(s) server shows Apollo's own part, with nothing of the broker around it. A GraphQL read pays that fixed cost on top of the work it shares with a REST read (authentication, grant decision, value, audit).";

/**
 * The CPU per request of a scenario on a target (or of a bare server), in microseconds, over all
 * its rounds. Less noisy than req/s on a shared machine: it does not move with what else is running.
 */
export function cpuMicrosecondsPerRequest(measured: readonly Measured[], spec: TargetSpec, scenario: Scenario): number {
  const pair = measured.find((p) => p.scenario === scenario && (isBare(scenario) || p.target.spec === spec));
  return cpuPerRequestOf(pair?.runs ?? []);
}

/**
 * A fixed cost as a ratio row: what `scenario` costs per request beyond `baseline`, by CPU
 * (GRAPHQL_FIXED_COST_NOTE). Bare scenarios are the same whichever target `spec` names.
 */
export function fixedCostRow(
  measured: readonly Measured[],
  spec: TargetSpec,
  label: string,
  scenario: Scenario,
  baseline: Scenario,
): [string, string] {
  const cpu = (measuredScenario: Scenario) => cpuMicrosecondsPerRequest(measured, spec, measuredScenario);
  return [label, `${(cpu(scenario) - cpu(baseline)).toFixed(0)} µs`];
}

export const APOLLO_FIXED_COST =
  'Apollo Server fixed cost, bare Fastify + Apollo `{ __typename }` − bare node:http(s) by CPU';
export const GRAPHQL_FIXED_COST = 'GraphQL fixed cost, broker `{ __typename }` − /healthz by CPU';

function cpuPerRequestOf(runs: readonly Run[]): number {
  const served = runs.reduce((sum, run) => sum + run.served, 0);
  return (runs.reduce((sum, run) => sum + run.serverCpuMs, 0) * 1000) / Math.max(1, served);
}

/** The median req/s of a scenario on a target (the bare server's whatever the target). */
export function medianRps(measured: readonly Measured[], spec: TargetSpec, scenario: Scenario): number {
  const pair = measured.find((p) => p.scenario === scenario && (isBare(scenario) || p.target.spec === spec));
  return median(pair?.runs.map((run) => run.requestsPerSecond) ?? []);
}

const isRead = (scenario: Scenario) => scenario === 'rest' || scenario === 'graphql';

/** Whether every read run wrote exactly one audit event per read the broker served. */
export function auditMatchesEveryRun(measured: readonly Measured[]): boolean {
  return measured
    .filter((pair) => isRead(pair.scenario))
    .every((pair) => pair.runs.every((run) => run.auditEvents === run.served));
}

export const RUN_COLUMNS = [
  'scenario',
  'req/s',
  'p50',
  'p99',
  'non-2xx + errors',
  'Kubernetes API calls per read',
  'audit events / reads served',
  'CPU per request',
];

/** A row of RUN_COLUMNS: medians of the rounds, totals of the counts. */
export function runRow(pair: Measured, bareLabel: string, withTargetLabel: boolean): Array<string | number> {
  const { runs, scenario } = pair;
  const served = runs.reduce((sum, run) => sum + run.served, 0);
  const label =
    scenario === 'bare'
      ? bareLabel
      : `${LABELS[scenario]}${withTargetLabel && !isBare(scenario) ? `, ${pair.target.spec.label}` : ''}`;
  return [
    label,
    median(runs.map((run) => run.requestsPerSecond)).toFixed(0),
    ms(median(runs.map((run) => run.p50Ms))),
    ms(median(runs.map((run) => run.p99Ms))),
    runs.reduce((sum, run) => sum + run.non2xx + run.errors, 0),
    isRead(scenario) ? (runs.reduce((sum, run) => sum + run.clusterCalls, 0) / Math.max(1, served)).toFixed(2) : '—',
    isRead(scenario) ? `${runs.reduce((sum, run) => sum + run.auditEvents, 0)} / ${served}` : '—',
    `${cpuPerRequestOf(runs).toFixed(0)} µs`,
  ];
}
