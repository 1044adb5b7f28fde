import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { type Suite, type SuiteReport, mib, ratio } from '../harness.js';
import {
  APOLLO_FIXED_COST,
  auditMatchesEveryRun,
  BUILDS,
  certificateIn,
  CONNECTIONS,
  cpuMicrosecondsPerRequest,
  CPU_PER_REQUEST_NOTE,
  fixedCostRow,
  GRAPHQL_FIXED_COST,
  GRAPHQL_FIXED_COST_NOTE,
  measure,
  medianRps,
  READ_SPREAD,
  REDIS_URL,
  ROUNDS,
  RUN_COLUMNS,
  runRow,
  SECONDS,
  startBareServers,
  stopBareServers,
  type Scenario,
  type TargetSpec,
} from '../support/broker-load.js';

/** The two brokers of each build: PostgreSQL and TLS, with Redis (each its own key prefix) and without. */
function specsOf(): TargetSpec[] {
  return BUILDS.flatMap((build) => {
    const which = BUILDS.length > 1 ? `, ${build.label}` : '';
    const redis = { REDIS_URL, REDIS_KEY_PREFIX: `bench-${randomBytes(4).toString('hex')}:` };
    return [
      { label: `Redis + TLS${which}`, build, kind: 'postgres', tls: true, env: redis },
      { label: `TLS, no Redis${which}`, build, kind: 'postgres', tls: true },
    ] satisfies TargetSpec[];
  });
}

export const productionSuite: Suite = {
  name: 'production',
  title: 'Production configuration (PostgreSQL, Redis, TLS)',
  description: `The built broker as people deploy it: NODE_ENV=production on PostgreSQL, with REDIS_URL (${REDIS_URL}) and TLS (a self-signed certificate for 127.0.0.1 made at run time), beside the same broker without Redis, a bare node:https server answering the same JSON and a bare Fastify + Apollo Server answering \`{ __typename }\` over the same certificate, all in one run. Loaded by autocannon from its own process over https with ${CONNECTIONS} keep-alive connections for runs of about ${SECONDS} s (a fixed number of requests sized by a warm-up run), the scenarios alternating for ${ROUNDS} rounds; medians of the rounds. Reads spread over ${READ_SPREAD} holding real HS256 JWTs and reader grants; every read is authorised, rate-limited (through Redis when configured) and audited. With BENCH_COMPARE_MAIN, a second build's two brokers run beside in the same rounds.`,
  async run(): Promise<SuiteReport> {
    const directory = mkdtempSync(join(tmpdir(), 'broker-bench-tls-'));
    const bares = await startBareServers(await certificateIn(directory));
    try {
      const specs = specsOf();
      const { measured, peakRss } = await measure(specs, bares);
      const rows = measured.map((pair) => runRow(pair, 'bare node:https `{"status":"ok"}`', true));
      const rps = (spec: TargetSpec, scenario: Scenario) => medianRps(measured, spec, scenario);
      const ratios: Array<[string, string]> = [];
      for (let i = 0; i < specs.length; i += 2) {
        const [redis, noRedis] = [specs[i], specs[i + 1]];
        for (const spec of [redis, noRedis])
          ratios.push(
            [`${spec.label}: /healthz ÷ bare node:https`, ratio(rps(spec, 'healthz') / rps(spec, 'bare'))],
            [`${spec.label}: REST read ÷ /healthz (target ≥ 0.3)`, ratio(rps(spec, 'rest') / rps(spec, 'healthz'))],
            [`${spec.label}: REST read ÷ bare node:https (target ≥ 0.1)`, ratio(rps(spec, 'rest') / rps(spec, 'bare'))],
            [
              `${spec.label}: GraphQL read ÷ REST read (target ≥ 0.85)`,
              ratio(rps(spec, 'graphql') / rps(spec, 'rest')),
            ],
            [
              `${spec.label}: GraphQL read ÷ REST read by broker CPU (REST µs ÷ GraphQL µs per read)`,
              ratio(
                cpuMicrosecondsPerRequest(measured, spec, 'rest') /
                  cpuMicrosecondsPerRequest(measured, spec, 'graphql'),
              ),
            ],
            fixedCostRow(measured, spec, `${spec.label}: ${GRAPHQL_FIXED_COST}`, 'graphql-floor', 'healthz'),
          );
        for (const scenario of ['rest', 'graphql', 'healthz'] as const)
          ratios.push([
            `${scenario}: ${redis.label} ÷ ${noRedis.label}${scenario === 'rest' ? ' (target ≥ 0.8)' : ''}`,
            ratio(rps(redis, scenario) / rps(noRedis, scenario)),
          ]);
      }
      if (BUILDS.length > 1)
        for (const scenario of ['rest', 'graphql', 'healthz'] as const)
          ratios.push([
            `${scenario}: ${specs[0].label} ÷ ${specs[2].label}`,
            ratio(rps(specs[0], scenario) / rps(specs[2], scenario)),
          ]);
      ratios.push(fixedCostRow(measured, specs[0], APOLLO_FIXED_COST, 'bare-apollo', 'bare'));
      ratios.push(['audit events = reads served in every run', auditMatchesEveryRun(measured) ? 'yes' : 'NO']);
      return {
        tables: [
          {
            title: `PostgreSQL over TLS (broker peak RSS ${specs.map((spec) => `${mib(peakRss.get(spec) ?? Number.NaN)} ${spec.label}`).join(', ')})`,
            columns: RUN_COLUMNS,
            rows,
          },
          { title: 'Ratios (medians, measured side by side in this run)', columns: ['ratio', 'value'], rows: ratios },
        ],
        notes: [
          'Audit events / reads served: the rows of audit_events written during the read runs against the reads the broker counted as served (/metrics); every read waits for its committed event.',
          CPU_PER_REQUEST_NOTE,
          GRAPHQL_FIXED_COST_NOTE,
          'Redis is the local redis-server shared by every broker of the run (separate key prefixes); the round trip is loopback, so its share here is the CPU of the client and the script, not network latency.',
          'The emulators run in the benchmark process, the load generator in a process of its own, each broker in its own; all share the 2 cores.',
        ],
      };
    } finally {
      await stopBareServers(bares);
      rmSync(directory, { recursive: true, force: true });
    }
  },
};
