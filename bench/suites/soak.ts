import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { type Suite, type SuiteReport, mib } from '../harness.js';
import type { LoadResult } from '../processes/load.js';
import { runJson } from '../support/processes.js';
import { BUILDS, job, startTarget, stopTarget, type Target } from '../support/broker-load.js';

const SOAK_SECONDS = Number(process.env.BENCH_SOAK_SECONDS ?? 600);
// RSS is compared with its value once the broker has warmed up: after the first minute (or the
// first fifth of a shorter soak).
const BASELINE_SECONDS = Math.min(60, SOAK_SECONDS / 5);
const MAX_SECONDS = Number(process.env.BENCH_SOAK_MAX_SECONDS ?? 10);
const LOAD_FRACTION = 0.8;
const SAMPLE_SECONDS = Math.max(1, Math.min(10, SOAK_SECONDS / 30));
const HERE = resolve(import.meta.dirname, '..');

/** Resident set size now (VmRSS), in MiB. */
function rssOfMiB(pid: number): number {
  const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return match ? Number(match[1]) / 1024 : Number.NaN;
}

async function load(target: Target, size: { durationSeconds: number; ratePerSecond?: number }): Promise<LoadResult> {
  const file = join(target.directory, `soak-${Date.now()}.json`);
  writeFileSync(file, JSON.stringify({ ...job('rest', target.broker.url, size), ...size }));
  return runJson<LoadResult>(resolve(HERE, 'processes/load.js'), [file]);
}

/** RSS every SAMPLE_SECONDS until `done` settles: [seconds since start, MiB]. */
async function sampleRss(pid: number, done: Promise<unknown>): Promise<Array<[number, number]>> {
  const started = Date.now();
  const samples: Array<[number, number]> = [];
  let finished = false;
  void done.finally(() => (finished = true));
  while (!finished) {
    samples.push([(Date.now() - started) / 1000, rssOfMiB(pid)]);
    await Promise.race([sleep(SAMPLE_SECONDS * 1000), done.catch(() => undefined)]);
  }
  samples.push([(Date.now() - started) / 1000, rssOfMiB(pid)]);
  return samples;
}

export const soakSuite: Suite = {
  name: 'soak',
  title: 'Soak: the REST read path at 80 % of its maximum (PostgreSQL)',
  description: `The built broker in its own process on PostgreSQL, loaded by autocannon from another: first as fast as it goes for ${MAX_SECONDS} s (the measured maximum), then at ${LOAD_FRACTION * 100} % of that rate for ${SOAK_SECONDS} s (BENCH_SOAK_SECONDS; 600 for the recorded figure). Passes with 0 non-2xx answers and errors and a resident set size at the end within 10 % of the one after ${BASELINE_SECONDS} s. Run only when named: \`npm run bench -- --only soak\`.`,
  optIn: true,
  async run(): Promise<SuiteReport> {
    const target = await startTarget({ label: BUILDS[0].label, build: BUILDS[0], kind: 'postgres' });
    try {
      const pid = target.broker.child.process.pid as number;
      const maximum = await load(target, { durationSeconds: MAX_SECONDS });
      const rate = Math.max(1, Math.round(maximum.requestsPerSecond * LOAD_FRACTION));
      const soak = load(target, { durationSeconds: SOAK_SECONDS, ratePerSecond: rate });
      const samples = await sampleRss(pid, soak);
      const result = await soak;
      const baseline = samples.find(([at]) => at >= BASELINE_SECONDS) ?? samples[samples.length - 1];
      const end = samples[samples.length - 1];
      const growth = (end[1] - baseline[1]) / baseline[1];
      const failures = result.non2xx + result.errors;
      const verdict = failures === 0 && growth <= 0.1 ? 'pass' : 'FAIL';
      return {
        tables: [
          {
            columns: ['measure', 'value'],
            rows: [
              ['maximum (req/s, as fast as it goes)', maximum.requestsPerSecond.toFixed(0)],
              ['soak target (req/s)', rate],
              ['soak achieved (req/s)', result.requestsPerSecond.toFixed(0)],
              ['soak duration (s)', SOAK_SECONDS],
              ['requests answered', result.completed],
              ['non-2xx + errors (target 0)', failures],
              ['p50 / p99', `${result.p50Ms} ms / ${result.p99Ms} ms`],
              [`RSS after ${baseline[0].toFixed(0)} s`, mib(baseline[1])],
              [`RSS at the end (${end[0].toFixed(0)} s)`, mib(end[1])],
              ['RSS growth (target ≤ 10 %)', `${(growth * 100).toFixed(1)} %`],
              ['verdict', verdict],
            ],
          },
        ],
        notes: [
          `RSS is sampled every ${SAMPLE_SECONDS} s from /proc (VmRSS) while the soak runs.`,
          'Reads spread over the broker suite’s secrets and subjects; every read is authorised and audited in PostgreSQL.',
        ],
      };
    } finally {
      await stopTarget(target);
    }
  },
};
