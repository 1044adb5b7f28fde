import { execFile } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildIfStale, freePort, startDevBroker, type DevBroker } from '../../../test/support/dev-broker.js';
import { BUILT_CLI, buildCli, ROOT } from './support.js';

const run = promisify(execFile);

/** The `sh` blocks of the README's brokerctl section, in order. */
function readmeBlocks(): string[] {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('## Command line: brokerctl'));
  return [...section.slice(0, section.indexOf('\n## ', 1)).matchAll(/```sh\n([\s\S]*?)\n```/g)].map(
    ([, block]) => block,
  );
}

/** The README's brokerctl tour, block by block in bash, against `npm run dev`: every command succeeds. */
describe('the README’s brokerctl tour', () => {
  let scratch: string;
  let dev: DevBroker;
  let bin: string;
  beforeAll(async () => {
    buildCli();
    buildIfStale();
    scratch = mkdtempSync(join(tmpdir(), 'brokerctl-readme-'));
    dev = await startDevBroker(join(scratch, 'data'), await freePort());
    // brokerctl on the PATH, as npm install -g links it.
    bin = join(scratch, 'bin');
    mkdirSync(bin);
    writeFileSync(join(bin, 'brokerctl'), `#!/bin/sh\nexec "${process.execPath}" "${BUILT_CLI}" "$@"\n`);
    chmodSync(join(bin, 'brokerctl'), 0o755);
  }, 240_000);
  afterAll(async () => {
    await dev?.stop();
    if (scratch) rmSync(scratch, { recursive: true, force: true });
  });

  it('runs every block as written', async () => {
    const blocks = readmeBlocks();
    expect(blocks).toHaveLength(4);
    // One shell for the whole tour, as a reader pastes it: the admin's login carries over.
    const script = ['set -euo pipefail', ...blocks].join('\n');
    const { stdout, stderr } = await run('bash', ['-c', script], {
      env: {
        PATH: `${bin}:${process.env.PATH ?? ''}`,
        HOME: scratch,
        XDG_CONFIG_HOME: join(scratch, 'config'),
        B: dev.exports.B,
        BROKER_TOKEN: dev.exports.BROKER_TOKEN,
        ALICE_TOKEN: dev.exports.ALICE_TOKEN,
      },
    });
    expect(stdout).toContain('Subject:     user:dev-admin');
    expect(stdout).toMatch(/^yes$/m);
    expect(stdout).toMatch(/\tapproved\t1\/1\t/);
    expect(stdout).toContain('connected\n');
    expect(stderr).toContain('Signed in to');
  });
});
