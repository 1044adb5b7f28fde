import { describe, expect, it } from 'vitest';
import { runNpmScript } from './support/npm-script.js';

// The suites themselves load the machine for minutes and are run by hand (BENCHMARKS.md); this
// checks that the command the README gives builds the benchmarks and starts them.
describe('npm run bench', () => {
  it('compiles the benchmarks and lists their suites, the long ones run only when named', async () => {
    const run = await runNpmScript('bench', ['--list'], {}, 240_000);

    expect(run.code, run.stderr).toBe(0);
    // A build of stale sources prints its own lines first; a suite is a line `name<TAB>title`.
    const suites = run.stdout
      .split('\n')
      .filter((line) => /^[a-z-]+\t/.test(line))
      .map((line) => line.split('\t'));
    expect(suites.map(([name]) => name).sort()).toEqual([
      'audit-query',
      'broker',
      'emulator',
      'grant-decisions',
      'keygen',
      'production',
      'read-profile',
      'secret-cache',
      'soak',
    ]);
    const namedOnly = suites.filter(([, title]) => title.endsWith('(only with --only)')).map(([name]) => name);
    expect(namedOnly.sort()).toEqual(['read-profile', 'soak']);
  }, 300_000);
});
