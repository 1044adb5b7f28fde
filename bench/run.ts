import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { renderSection, runInfo, upsertSection } from './harness.js';
import { suites } from './suites/index.js';

/** A bad command line: reported without a stack trace. */
class UsageError extends Error {}

const HEADER = `# Benchmarks

Performance is measured here, never with timed tests. Numbers come from \`npm run bench\`, which
compiles \`bench/\` with \`bench/tsconfig.json\` (into \`dist/bench/\`) and runs every suite in
\`bench/suites/\`; each suite rewrites only its own section below, between its
\`<!-- bench:NAME:start/end -->\` markers.

\`\`\`sh
npm run bench                       # every suite but soak and read-profile; updates BENCHMARKS.md
npm run bench -- --only emulator    # one suite (repeat --only, or comma-separate, for several)
npm run bench -- --only soak        # the 10-minute soak, run only when named
npm run bench -- --only production  # PostgreSQL, Redis and TLS, as deployed
npm run bench -- --only read-profile  # CPU profile of the read path, run only when named
npm run bench -- --list             # suite names
npm run bench -- --no-write         # print the markdown only
\`\`\`

The machine is shared and noisy: compare numbers measured side by side in one run (the ratio
tables), not numbers from different runs. Peak RSS is the process's high-water mark, so it
includes any suite that ran before in the same run; use \`--only\` for a suite's own figure. With
\`BENCH_COMPARE_MAIN=path/to/dist/src/main.js\` (and \`BENCH_COMPARE_LABEL\`), the broker, production
and read-profile suites run a second build beside this one in the same rounds.
`;

function main(): Promise<void> | void {
  const { values } = parseArgs({
    options: {
      only: { type: 'string', multiple: true },
      out: { type: 'string', default: 'BENCHMARKS.md' },
      'no-write': { type: 'boolean', default: false },
      list: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
    allowPositionals: false,
  });
  if (values.help) {
    process.stdout.write('npm run bench -- [--only NAME[,NAME]]... [--out BENCHMARKS.md] [--no-write] [--list]\n');
    return;
  }
  if (values.list) {
    for (const suite of suites)
      process.stdout.write(`${suite.name}\t${suite.title}${suite.optIn ? ' (only with --only)' : ''}\n`);
    return;
  }
  const wanted = (values.only ?? [])
    .flatMap((v) => v.split(','))
    .map((v) => v.trim())
    .filter(Boolean);
  const unknown = wanted.filter((name) => !suites.some((s) => s.name === name));
  if (unknown.length)
    throw new UsageError(`unknown suite(s): ${unknown.join(', ')} (known: ${suites.map((s) => s.name).join(', ')})`);
  const selected = wanted.length ? suites.filter((s) => wanted.includes(s.name)) : suites.filter((s) => !s.optIn);
  const command = `npm run bench${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(' ')}` : ''}`;
  return runSuites(selected, command, resolve(values.out), !values['no-write']);
}

async function runSuites(selected: typeof suites, command: string, outPath: string, write: boolean): Promise<void> {
  for (const suite of selected) {
    const info = runInfo(command);
    process.stderr.write(`bench: running ${suite.name}…\n`);
    const started = performance.now();
    const report = await suite.run();
    const section = renderSection(suite, report, info, performance.now() - started);
    process.stdout.write(`\n${section}\n`);
    if (write) {
      // Re-read before each write so sections written meanwhile (another suite, another run) are kept.
      const current = existsSync(outPath) ? readFileSync(outPath, 'utf8') : HEADER;
      writeFileSync(outPath, upsertSection(current, suite.name, section));
      process.stderr.write(`bench: updated the ${suite.name} section of ${outPath}\n`);
    }
  }
}

try {
  await main();
} catch (err) {
  process.stderr.write(
    `bench: ${err instanceof UsageError ? err.message : err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
  );
  process.exitCode = 1;
}
