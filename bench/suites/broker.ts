import { type Suite, type SuiteReport, mib, ratio } from '../harness.js';
import {
  auditMatchesEveryRun,
  BUILDS,
  CONNECTIONS,
  cpuMicrosecondsPerRequest,
  CPU_PER_REQUEST_NOTE,
  APOLLO_FIXED_COST,
  fixedCostRow,
  GRAPHQL_FIXED_COST,
  GRAPHQL_FIXED_COST_NOTE,
  measure,
  medianRps,
  READ_SPREAD,
  ROUNDS,
  RUN_COLUMNS,
  runRow,
  SECONDS,
  startBareServers,
  stopBareServers,
  type TargetSpec,
} from '../support/broker-load.js';

export const brokerSuite: Suite = {
  name: 'broker',
  title: 'Broker request path (`dist/src/main.js`, SQLite and PostgreSQL)',
  description: `The built broker in its own process (NODE_ENV=production) against an in-process Kubernetes API emulator (one per broker), loaded by autocannon from a third process with ${CONNECTIONS} keep-alive connections for runs of about ${SECONDS} s (a fixed number of requests sized by a warm-up run, so none is left in flight), the scenarios alternating (bare node:http, bare Fastify + Apollo Server, /healthz, the broker's \`{ __typename }\`, REST read, GraphQL read) for ${ROUNDS} rounds; medians of the rounds. Reads spread over ${READ_SPREAD} holding real HS256 JWTs and reader grants; every read is authorised and audited. With BENCH_COMPARE_MAIN, a second build runs beside this one in the same rounds.`,
  async run(): Promise<SuiteReport> {
    const bares = await startBareServers();
    try {
      const tables: SuiteReport['tables'] = [];
      const ratios: Array<[string, string]> = [];
      let auditMatches = true;
      for (const kind of ['sqlite', 'postgres'] as const) {
        const specs: TargetSpec[] = BUILDS.map((build) => ({ label: build.label, build, kind }));
        const { measured, peakRss } = await measure(specs, bares);
        auditMatches &&= auditMatchesEveryRun(measured);
        const labelled = specs.length > 1;
        const database = kind === 'sqlite' ? 'SQLite' : 'PostgreSQL';
        tables.push({
          title: `${database} (broker peak RSS ${specs.map((spec) => `${mib(peakRss.get(spec) ?? Number.NaN)}${labelled ? ` ${spec.label}` : ''}`).join(', ')})`,
          columns: RUN_COLUMNS,
          rows: measured.map((pair) => runRow(pair, 'bare node:http `{"status":"ok"}`', labelled)),
        });
        for (const spec of specs) {
          const which = labelled ? `, ${spec.label}` : '';
          const rps = (scenario: Parameters<typeof medianRps>[2]) => medianRps(measured, spec, scenario);
          ratios.push(
            [`${kind}${which}: /healthz ÷ bare node:http (target ≥ 0.4)`, ratio(rps('healthz') / rps('bare'))],
            [`${kind}${which}: REST read ÷ /healthz (target ≥ 0.3)`, ratio(rps('rest') / rps('healthz'))],
            [`${kind}${which}: REST read ÷ bare node:http (target ≥ 0.1)`, ratio(rps('rest') / rps('bare'))],
            [`${kind}${which}: GraphQL read ÷ REST read (target ≥ 0.85)`, ratio(rps('graphql') / rps('rest'))],
            [
              `${kind}${which}: GraphQL read ÷ REST read by broker CPU (REST µs ÷ GraphQL µs per read)`,
              ratio(
                cpuMicrosecondsPerRequest(measured, spec, 'rest') /
                  cpuMicrosecondsPerRequest(measured, spec, 'graphql'),
              ),
            ],
            fixedCostRow(measured, spec, `${kind}${which}: ${GRAPHQL_FIXED_COST}`, 'graphql-floor', 'healthz'),
          );
        }
        ratios.push(fixedCostRow(measured, specs[0], `${kind}: ${APOLLO_FIXED_COST}`, 'bare-apollo', 'bare'));
        if (labelled) {
          for (const scenario of ['healthz', 'rest', 'graphql'] as const) {
            ratios.push([
              `${kind}: ${scenario}, ${specs[0].label} ÷ ${specs[1].label}`,
              ratio(medianRps(measured, specs[0], scenario) / medianRps(measured, specs[1], scenario)),
            ]);
          }
        }
      }
      ratios.push(['audit events = reads served in every run', auditMatches ? 'yes' : 'NO']);
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
          CPU_PER_REQUEST_NOTE,
          GRAPHQL_FIXED_COST_NOTE,
          'Targets: SPEC §8 asks for REST ≥ 0.5 × /healthz and GraphQL ≥ 0.8 × REST; issue 25 for REST ≥ 0.3 × /healthz and ≥ 0.1 × bare, GraphQL ≥ 0.85 × REST on both databases.',
          'The emulators run in the benchmark process, the load generator in a process of its own, each broker in its own; all share the 2 cores.',
        ],
      };
    } finally {
      await stopBareServers(bares);
    }
  },
};
