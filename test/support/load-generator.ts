/**
 * Load from a process of its own against several broker processes (run by the replicas test,
 * compiled with the broker). Reads one JSON LoadJob from argv[2] and sends until SIGINT, then
 * lets the requests in flight finish and prints one JSON LoadReport.
 *
 * Each worker sends one kind of request at a time over keep-alive connections, to the targets
 * in turn. A connection refused (nothing was sent: the instance is down) is retried on the next
 * target, as a Service would route it; any other transport error (the request may have been
 * received) is counted as such and never retried.
 */
import { Agent, request } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';

export interface LoadKind {
  readonly name: string;
  readonly workers: number;
  readonly method: 'GET' | 'POST';
  readonly path: string;
  readonly body?: unknown;
  /** Bearer tokens, used in turn. */
  readonly tokens: readonly string[];
  /** At most this many requests per second of this kind, over all its workers; unpaced if absent. */
  readonly ratePerSecond?: number;
}

export interface LoadJob {
  readonly targets: readonly string[];
  readonly kinds: readonly LoadKind[];
}

export interface KindReport {
  readonly sent: number;
  readonly ok: number;
  /** Status code → count, for answers other than 2xx. */
  readonly statuses: Record<string, number>;
  /** Connections that broke after the request was sent (the instance died with it in flight). */
  readonly brokenInFlight: number;
  /** Connections refused and sent to another instance instead. */
  readonly rerouted: number;
  /** From 2xx answers whose body has `version.version` (rotations): the versions acknowledged. */
  readonly versions: number[];
}

export type LoadReport = Record<string, KindReport>;

interface Outcome {
  readonly status?: number;
  readonly body?: string;
  readonly error?: string;
}

const agents = new Map<string, Agent>();

function send(target: string, kind: LoadKind, token: string): Promise<Outcome> {
  let agent = agents.get(target);
  if (!agent) {
    agent = new Agent({ keepAlive: true, maxSockets: 64 });
    agents.set(target, agent);
  }
  const url = new URL(kind.path, target);
  const body = kind.body === undefined ? undefined : JSON.stringify(kind.body);
  return new Promise((resolve) => {
    const outgoing = request(
      url,
      {
        method: kind.method,
        agent,
        headers: {
          authorization: `Bearer ${token}`,
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () =>
          resolve({ status: response.statusCode, body: Buffer.concat(chunks).toString('utf8') }),
        );
        response.on('error', (error) => resolve({ error: (error as NodeJS.ErrnoException).code ?? error.message }));
      },
    );
    outgoing.on('error', (error) => resolve({ error: (error as NodeJS.ErrnoException).code ?? error.message }));
    outgoing.end(body);
  });
}

let stopping = false;
process.once('SIGINT', () => (stopping = true));

/** Paces one kind: each request takes the next free slot, 1/rate seconds after the previous one. */
function pacer(ratePerSecond: number | undefined): () => Promise<void> {
  if (ratePerSecond === undefined) return () => Promise.resolve();
  let nextSlot = Date.now();
  return async () => {
    const slot = Math.max(Date.now(), nextSlot);
    nextSlot = slot + 1000 / ratePerSecond;
    await sleep(slot - Date.now());
  };
}

async function worker(
  job: LoadJob,
  kind: LoadKind,
  index: number,
  report: KindReport,
  pace: () => Promise<void>,
): Promise<void> {
  let turn = index;
  for (;;) {
    await pace();
    if (stopping) return;
    const token = kind.tokens[turn % kind.tokens.length];
    let outcome: Outcome;
    let attempts = 0;
    do {
      outcome = await send(job.targets[turn++ % job.targets.length], kind, token);
      if (outcome.error === 'ECONNREFUSED') (report as { rerouted: number }).rerouted++;
    } while (outcome.error === 'ECONNREFUSED' && ++attempts < job.targets.length * 3);
    (report as { sent: number }).sent++;
    if (outcome.status === undefined) {
      (report as { brokenInFlight: number }).brokenInFlight++;
    } else if (outcome.status >= 200 && outcome.status < 300) {
      (report as { ok: number }).ok++;
      const version = (JSON.parse(outcome.body ?? '{}') as { version?: { version?: number } }).version?.version;
      if (typeof version === 'number') report.versions.push(version);
    } else {
      report.statuses[outcome.status] = (report.statuses[outcome.status] ?? 0) + 1;
    }
  }
}

const job = JSON.parse(process.argv[2] ?? '{}') as LoadJob;
const report: LoadReport = {};
const workers: Array<Promise<void>> = [];
for (const kind of job.kinds) {
  const kindReport: KindReport = { sent: 0, ok: 0, statuses: {}, brokenInFlight: 0, rerouted: 0, versions: [] };
  report[kind.name] = kindReport;
  const pace = pacer(kind.ratePerSecond);
  for (let index = 0; index < kind.workers; index++) workers.push(worker(job, kind, index, kindReport, pace));
}
await Promise.all(workers);
for (const agent of agents.values()) agent.destroy();
process.stdout.write(`${JSON.stringify(report)}\n`);
