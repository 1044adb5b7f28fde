import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBroker, type TestBroker } from '../../../test/support/broker.js';
import { tokenFor } from '../../../test/support/tokens.js';
import { builtCli, CLI_PACKAGE } from './support.js';

const run = promisify(execFile);
// The machine's settings (certificates, proxy, npm's own config), without the test run's npm_* variables or
// NODE_PATH: nothing that points into the repository.
const cleanEnv = () =>
  Object.fromEntries(Object.entries(process.env).filter(([name]) => !/^(npm_|NODE_PATH$|INIT_CWD$)/i.test(name)));

/** `npm pack`, then `npm install -g` of the tarball into an empty folder, as on a CI runner or a laptop. */
describe('the brokerctl package', () => {
  let scratch: string;
  let broker: TestBroker;
  let tarball: string;
  let files: string[];
  beforeAll(async () => {
    scratch = mkdtempSync(join(tmpdir(), 'brokerctl-package-'));
    const packed = await run('npm', ['pack', '--json', '--pack-destination', scratch], {
      cwd: CLI_PACKAGE,
      env: cleanEnv(),
    });
    const [report] = JSON.parse(packed.stdout) as Array<{ filename: string; files: Array<{ path: string }> }>;
    tarball = join(scratch, report.filename);
    files = report.files.map((file) => file.path);
    broker = await startBroker();
    await broker.app.listen(0, '127.0.0.1');
  }, 180_000);
  afterAll(async () => {
    await broker?.close();
    if (scratch) rmSync(scratch, { recursive: true, force: true });
  });

  it('packs the built CLI and the typed client, and no sources or tests', () => {
    expect(files).toEqual(
      expect.arrayContaining(['package.json', 'README.md', 'dist/cli/src/main.js', 'dist/typescript/index.js']),
    );
    expect(files.filter((file) => file.endsWith('.ts') || file.includes('test'))).toEqual([]);
  });

  it('installs globally into an empty folder with only its own dependencies, and works', async () => {
    const prefix = join(scratch, 'global');
    await run('npm', ['install', '--global', '--prefix', prefix, '--no-audit', '--no-fund', tarball], {
      cwd: scratch,
      env: cleanEnv(),
      timeout: 170_000,
    });
    const installed = join(prefix, 'lib', 'node_modules', 'brokerctl');
    const dependencies = readdirSync(join(installed, 'node_modules'));
    expect(dependencies).toEqual(expect.arrayContaining(['commander', 'openapi-fetch', 'openid-client', 'yaml']));
    for (const serverDependency of ['@nestjs', 'typeorm', 'better-sqlite3', '@kubernetes']) {
      expect(existsSync(join(installed, 'node_modules', serverDependency)), serverDependency).toBe(false);
    }

    const bin = join(prefix, 'bin', 'brokerctl');
    const version = await builtCli(['--version'], { bin });
    expect(version).toEqual({ code: 0, stdout: '0.1.0\n', stderr: '' });
    const whoami = await builtCli(['whoami', '-o', 'name'], {
      bin,
      env: { BROKER_ADDR: await broker.app.getUrl(), BROKER_TOKEN: tokenFor('admin'), HOME: scratch },
    });
    expect(whoami, whoami.stderr).toEqual({ code: 0, stdout: 'user:admin\n', stderr: '' });
  }, 180_000);
});
