import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { type Suite, type SuiteReport } from '../harness.js';
import { BUILDS, load, REDIS_URL, startTarget, stopTarget, type Scenario } from '../support/broker-load.js';
import { summarizeProfile, type ProfileSummary, type SelfTime } from '../support/cpu-profile.js';

const SECONDS = Number(process.env.BENCH_PROFILE_SECONDS ?? 10);
const KIND = process.env.BENCH_PROFILE_DATABASE === 'sqlite' ? 'sqlite' : 'postgres';
const SCENARIO: Scenario = process.env.BENCH_PROFILE_SCENARIO === 'graphql' ? 'graphql' : 'rest';
const TOP = 20;
// Where to keep the .cpuprofile files (to open in Chrome DevTools); discarded when unset.
const KEEP = process.env.BENCH_PROFILE_OUT;

const microseconds = () => Number(process.hrtime.bigint() / 1000n);
const percent = (share: number | undefined) => (share === undefined ? '—' : `${(share * 100).toFixed(1)} %`);

interface Profiled {
  readonly label: string;
  readonly requestsPerSecond: number;
  readonly summary: ProfileSummary;
}

/** One build's broker (Redis and TLS), profiled with --cpu-prof while the read scenario loads it. */
async function profile(build: (typeof BUILDS)[number]): Promise<Profiled> {
  const directory = mkdtempSync(join(tmpdir(), 'broker-profile-'));
  try {
    const target = await startTarget({
      label: build.label,
      build,
      kind: KIND,
      tls: true,
      env: { REDIS_URL, REDIS_KEY_PREFIX: `bench-${randomBytes(4).toString('hex')}:` },
      nodeArgs: ['--cpu-prof', `--cpu-prof-dir=${directory}`],
    });
    let window: [number, number];
    let requestsPerSecond: number;
    try {
      await load(target, SCENARIO, { durationSeconds: 2 });
      const from = microseconds();
      requestsPerSecond = (await load(target, SCENARIO, { durationSeconds: SECONDS })).requestsPerSecond;
      window = [from, microseconds()];
    } finally {
      // The profile is written when the broker exits.
      await stopTarget(target);
    }
    const file = readdirSync(directory).find((name) => name.endsWith('.cpuprofile'));
    if (!file) throw new Error(`the broker wrote no CPU profile into ${directory}`);
    if (KEEP) {
      mkdirSync(KEEP, { recursive: true });
      copyFileSync(
        join(directory, file),
        join(KEEP, `${build.label.replace(/\W+/g, '-')}-${SCENARIO}-${KIND}.cpuprofile`),
      );
    }
    return { label: build.label, requestsPerSecond, summary: summarizeProfile(join(directory, file), ...window, TOP) };
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
}

function sideBySide(
  profiled: readonly Profiled[],
  pick: (summary: ProfileSummary) => SelfTime[],
): SuiteReport['tables'][number] {
  const names = [...new Set(profiled.flatMap((p) => pick(p.summary).map((entry) => entry.name)))];
  const shareOf = (p: Profiled, name: string) => pick(p.summary).find((entry) => entry.name === name)?.share;
  return {
    columns: ['self time', ...profiled.map((p) => p.label)],
    rows: names
      .sort((a, b) => (shareOf(profiled[0], b) ?? 0) - (shareOf(profiled[0], a) ?? 0))
      .map((name) => [name, ...profiled.map((p) => percent(shareOf(p, name)))]),
  };
}

export const readProfileSuite: Suite = {
  name: 'read-profile',
  title: 'CPU profile of the read path (`node --cpu-prof`, PostgreSQL, Redis, TLS)',
  description: `The built broker with REDIS_URL and TLS, started with \`--cpu-prof\` and loaded with the ${SCENARIO === 'rest' ? 'REST read' : 'GraphQL read'} scenario of the production suite for ${SECONDS} s (BENCH_PROFILE_SECONDS) after a 2 s warm-up; only the samples of the measured window count. Self time is where the CPU was when sampled (not including callees), as a share of the busy samples. With BENCH_COMPARE_MAIN, the compared build is profiled the same way right after (BENCH_PROFILE_DATABASE=sqlite and BENCH_PROFILE_SCENARIO=graphql profile the other cases; BENCH_PROFILE_OUT keeps the profiles). Run only when named: \`npm run bench -- --only read-profile\`.`,
  optIn: true,
  async run(): Promise<SuiteReport> {
    const profiled: Profiled[] = [];
    for (const build of BUILDS) profiled.push(await profile(build));
    return {
      tables: [
        {
          title: 'While profiled',
          columns: ['build', 'req/s (profiler on)', 'busy samples', 'idle'],
          rows: profiled.map((p) => [
            p.label,
            p.requestsPerSecond.toFixed(0),
            p.summary.busySamples,
            percent(p.summary.idleShare),
          ]),
        },
        { title: 'Self time by area (package, broker room, Node core, V8)', ...sideBySide(profiled, (s) => s.byArea) },
        { title: `Top ${TOP} functions by self time`, ...sideBySide(profiled, (s) => s.byFunction) },
      ],
      notes: [
        `Database ${KIND}; ${SCENARIO} scenario; the profiler itself costs some throughput, so req/s here are lower than in the production suite.`,
      ],
    };
  },
};
