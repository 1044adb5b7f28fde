import { execFile, spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KUBECTL } from './support.js';

const ROOT = resolve(import.meta.dirname, '../..');

describe('the emulator command and start-up', () => {
  let dir: string;

  beforeAll(async () => {
    // Compiles just the emulator (what `npm run emulator` builds) so the test does not depend on the rest of the project building.
    dir = await mkdtemp(join(tmpdir(), 'emulator-cli-'));
    await symlink(join(ROOT, 'node_modules'), join(dir, 'node_modules'));
    const tsc = join(ROOT, 'node_modules/typescript/bin/tsc');
    const args = [
      ...['--ignoreConfig', '--outDir', join(dir, 'out'), '--rootDir', join(ROOT, 'src')],
      ...[
        '--module',
        'nodenext',
        '--moduleResolution',
        'nodenext',
        '--target',
        'ES2023',
        '--strict',
        '--skipLibCheck',
        '--types',
        'node',
      ],
      join(ROOT, 'src/emulator/main.ts'),
    ];
    await promisify(execFile)(process.execPath, [tsc, ...args], { cwd: ROOT });
  }, 60_000);

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('prints one JSON line once ready, serves kubectl with the written kubeconfig, and stops on SIGTERM', async () => {
    const kubeconfig = join(dir, 'kubeconfig.json');
    const child = spawn(
      process.execPath,
      [join(dir, 'out/emulator/main.js'), '--port', '0', '--kubeconfig-out', kubeconfig],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    const exited = new Promise<number | null>((done) => child.on('exit', (code) => done(code)));
    const line = await new Promise<string>((done) => createInterface({ input: child.stdout }).once('line', done));
    const ready = JSON.parse(line) as { port: number; kubeconfig: string };
    expect(Object.keys(ready)).toEqual(['port', 'kubeconfig']);
    expect(ready.kubeconfig).toBe(kubeconfig);
    expect(ready.port).toBeGreaterThan(0);
    const config = JSON.parse(await readFile(kubeconfig, 'utf8')) as {
      clusters: Array<{ cluster: { server: string; 'certificate-authority-data': string } }>;
      users: Array<{ user: { token: string } }>;
    };
    expect(config.clusters[0].cluster.server).toBe(`https://127.0.0.1:${ready.port}`);
    expect(Buffer.from(config.clusters[0].cluster['certificate-authority-data'], 'base64').toString()).toContain(
      'BEGIN CERTIFICATE',
    );
    expect(config.users[0].user.token.length).toBeGreaterThan(16);
    const { stdout } = await promisify(execFile)(
      KUBECTL,
      ['--kubeconfig', kubeconfig, '--cache-dir', join(dir, 'cache'), 'get', 'namespaces', '-o', 'name'],
      { env: { PATH: process.env.PATH ?? '', HOME: dir } },
    );
    expect(stdout).toContain('namespace/default');
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
  });
});
