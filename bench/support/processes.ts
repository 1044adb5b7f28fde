import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { send, type Endpoint } from './loopback-http.js';

/** A child process the suite started; `stop()` ends it. */
export interface Child {
  readonly process: ChildProcess;
  stop(): Promise<void>;
}

export function startChild(
  script: string,
  args: string[] = [],
  env: NodeJS.ProcessEnv = process.env,
  nodeArgs: string[] = [],
): Child {
  const child = spawn(process.execPath, [...nodeArgs, script, ...args], { env, stdio: ['ignore', 'pipe', 'inherit'] });
  return {
    process: child,
    stop: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

/** The first line the child prints, parsed as JSON. */
export function firstJsonLine<T>(child: Child): Promise<T> {
  return new Promise((resolve, reject) => {
    let buffered = '';
    const onData = (chunk: Buffer) => {
      buffered += chunk.toString('utf8');
      const newline = buffered.indexOf('\n');
      if (newline < 0) return;
      child.process.stdout?.off('data', onData);
      try {
        resolve(JSON.parse(buffered.slice(0, newline)) as T);
      } catch (error) {
        reject(error instanceof Error ? error : new Error(String(error)));
      }
    };
    child.process.stdout?.on('data', onData);
    child.process.once('exit', (code) => reject(new Error(`child exited with ${code} before printing`)));
  });
}

/** Runs a script to completion and returns what it printed as JSON. */
export async function runJson<T>(script: string, args: string[]): Promise<T> {
  const child = startChild(script, args);
  const result = await firstJsonLine<T>(child);
  await new Promise<void>((resolve) =>
    child.process.exitCode !== null ? resolve() : child.process.once('exit', () => resolve()),
  );
  return result;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });
}

/** Polls `path` of `endpoint` until it answers 200, for at most `timeoutMs`. */
export async function waitUntilReady(endpoint: Endpoint, path: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      if ((await send(endpoint, path)).status === 200) return;
    } catch {
      // not listening yet
    }
    await sleep(100);
  }
  throw new Error(`${endpoint.url}${path} not ready after ${timeoutMs} ms`);
}

/**
 * A built broker (`main`, e.g. dist/src/main.js) in its own process as in production, on a free
 * loopback port with a fresh key-encryption key; `env` names its database, cluster and tokens.
 * With `tls` (its certificate and key files, and the certificate to trust) it serves https;
 * `nodeArgs` go to node itself (`--cpu-prof`, which NODE_OPTIONS does not take).
 * Resolves once /readyz answers 200 (a broker that never gets ready is stopped).
 */
export async function startBuiltBroker(
  main: string,
  env: Record<string, string>,
  tls?: { certFile: string; keyFile: string; ca: string },
  nodeArgs: string[] = [],
): Promise<{ child: Child; url: string; endpoint: Endpoint }> {
  const port = await freePort();
  const child = startChild(
    main,
    [],
    {
      ...process.env,
      NODE_ENV: 'production',
      PORT: String(port),
      HOST: '127.0.0.1',
      ENCRYPTION_KEY: randomBytes(32).toString('base64'),
      LOG_LEVEL: 'warn',
      ...(tls ? { TLS_CERT_FILE: tls.certFile, TLS_KEY_FILE: tls.keyFile } : {}),
      ...env,
    },
    nodeArgs,
  );
  const endpoint: Endpoint = { url: `${tls ? 'https' : 'http'}://127.0.0.1:${port}`, ca: tls?.ca };
  try {
    await waitUntilReady(endpoint, '/readyz');
  } catch (error) {
    await child.stop();
    throw error;
  }
  return { child, url: endpoint.url, endpoint };
}

/** A process's peak resident set size (VmHWM), in MiB. */
export function peakRssOfMiB(pid: number): number {
  const match = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return match ? Number(match[1]) / 1024 : Number.NaN;
}

// Linux reports process times in clock ticks of USER_HZ, 100 per second on every architecture Node runs on.
const CLOCK_TICKS_PER_SECOND = 100;

/** CPU time (user and system) a process has used so far, in milliseconds, from /proc/<pid>/stat. */
export function cpuMillisecondsOf(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command name (which may hold spaces) start at the state, field 3; utime and stime are 14 and 15.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS_PER_SECOND;
}
