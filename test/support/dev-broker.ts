import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { DEV_TOUR } from '../../src/cli/dev-tour.js';

const ROOT = join(import.meta.dirname, '..', '..');

/** What `npm run dev` printed for the caller to paste: `B`, `BROKER_TOKEN`, `ALICE_TOKEN`. */
export type DevExports = Record<string, string>;

/** `npm run dev` as a child process: the real entry, its data in `dataDir`, on a free port. */
export interface DevBroker {
  readonly exports: DevExports;
  readonly banner: string;
  stop(): Promise<void>;
}

/** Builds as `npm run dev` does, only when a source is newer than the last build. */
export function buildIfStale(): void {
  execFileSync(process.execPath, ['scripts/build-if-stale.mjs'], { cwd: ROOT, stdio: 'inherit' });
}

export async function freePort(): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  server.close();
  await once(server, 'close');
  return port;
}

export interface DevStartOptions {
  /** Arguments after `npm run dev --`. */
  readonly args?: readonly string[];
  readonly env?: Readonly<Record<string, string>>;
}

function spawnDev(dataDir: string, port: number, options: DevStartOptions) {
  return spawn(process.execPath, ['dist/src/cli/dev.js', ...(options.args ?? [])], {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH,
      BROKER_DATA_DIR: dataDir,
      PORT: String(port),
      // No kubeconfig: dev mode starts its bundled emulator, keeping its objects in dataDir.
      KUBECONFIG: join(dataDir, 'no-kubeconfig'),
      ...options.env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

/** Runs dev mode expecting it to refuse to start: its exit code and what it printed. */
export async function refusedDevStart(
  dataDir: string,
  port: number,
  options: DevStartOptions = {},
): Promise<{ code: number | null; output: string }> {
  const child = spawnDev(dataDir, port, options);
  let output = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  const [code] = (await once(child, 'exit')) as [number | null];
  return { code, output };
}

/** Starts dev mode and resolves once its banner (printed after the server listens) is complete. */
export async function startDevBroker(dataDir: string, port: number, options: DevStartOptions = {}): Promise<DevBroker> {
  const child = spawnDev(dataDir, port, options);
  let output = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  await new Promise<void>((resolve, reject) => {
    // The banner, printed once the server listens, ends with the tour.
    const lastLine = DEV_TOUR[DEV_TOUR.length - 1].split('\n').at(-1) as string;
    child.stdout.on('data', () => {
      if (output.includes(lastLine)) resolve();
    });
    child.once('exit', (code) => reject(new Error(`dev mode exited with ${code}:\n${output}`)));
  });
  return { exports: exportsIn(output), banner: output, stop: () => stop(child) };
}

function exportsIn(banner: string): DevExports {
  const found: DevExports = {};
  for (const [, name, value] of banner.matchAll(/^export (\w+)='?([^'\n]*)'?$/gm)) found[name] = value;
  return found;
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.kill('SIGTERM');
  await exited;
}
