import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import { inject } from 'vitest';
import { KubernetesEmulator } from '../../src/emulator/index.js';
import { compileBrokerInto, LOAD_GENERATOR } from './broker-build.js';
import { ADMIN, TEST_ENCRYPTION_KEY } from './broker.js';
import { createTestDatabase, type TestDatabase } from './database.js';
import type { LoadJob, LoadReport } from './load-generator.js';
import { HS256_SECRET } from './tokens.js';

// Generous: a loaded machine was seen taking 40 s to start a broker beside two busy ones.
const START_TIMEOUT_MS = 90_000;
let compiled: Promise<string> | undefined;

/**
 * The broker compiled for `node` (see broker-build.ts): the build the run's global setup made,
 * or, where none was made (a lane without it), one compiled once per test process. Returns the
 * path of main.js.
 */
export function compiledBroker(): Promise<string> {
  compiled ??= Promise.resolve(
    inject('brokerBuild') ?? compileBrokerInto(mkdtempSync(join(tmpdir(), 'broker-build-'))),
  );
  return compiled;
}

/** The load generator (test/support/load-generator.ts) running in its own process. */
export interface RunningLoad {
  /** Stops sending, waits for the requests in flight, and returns the report. */
  stop(): Promise<LoadReport>;
}

export async function startLoad(job: LoadJob): Promise<RunningLoad> {
  const main = await compiledBroker();
  const script = join(dirname(dirname(main)), LOAD_GENERATOR.replace(/\.ts$/, '.js'));
  const child = spawn(process.execPath, [script, JSON.stringify(job)], { stdio: ['ignore', 'pipe', 'inherit'] });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  const exited = new Promise<number | null>((done) => child.once('exit', done));
  return {
    stop: async () => {
      child.kill('SIGINT');
      const code = await exited;
      if (code !== 0) throw new Error(`load generator exited with ${code}`);
      return JSON.parse(output) as LoadReport;
    },
  };
}

/** A broker running as a child process (`node main.js`), as in production. */
export interface BrokerProcess {
  readonly url: string;
  readonly port: number;
  readonly child: ChildProcess;
  /** Every line the process wrote to stdout (pino's JSON). */
  readonly logLines: string[];
  /** Resolves with the exit code once the process ended (null when killed by a signal). */
  readonly exited: Promise<number | null>;
  /** SIGKILL, then waits for the exit. */
  kill(): Promise<void>;
}

/**
 * Starts `node main.js` with `env` (on top of a minimal environment) listening on `port`
 * (0: a free one is picked by the caller beforehand) and waits until /readyz answers 200.
 */
export async function startBrokerProcess(env: Record<string, string>, port: number): Promise<BrokerProcess> {
  const main = await compiledBroker();
  const child = spawn(process.execPath, [main], {
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '/tmp',
      HOST: '127.0.0.1',
      PORT: String(port),
      ...env,
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const logLines: string[] = [];
  if (child.stdout) createInterface({ input: child.stdout }).on('line', (line) => logLines.push(line));
  const exited = new Promise<number | null>((done) => child.once('exit', (code) => done(code)));
  const url = `http://127.0.0.1:${port}`;
  const broker: BrokerProcess = {
    url,
    port,
    child,
    logLines,
    exited,
    kill: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    },
  };
  const deadline = Date.now() + START_TIMEOUT_MS;
  let ended = false;
  void exited.then(() => (ended = true));
  for (;;) {
    if (ended) throw new Error(`broker process exited while starting:\n${logLines.slice(-5).join('\n')}`);
    try {
      if ((await fetch(`${url}/readyz`)).status === 200) return broker;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      await broker.kill();
      throw new Error(`broker process not ready after ${START_TIMEOUT_MS} ms:\n${logLines.slice(-5).join('\n')}`);
    }
    await sleep(100);
  }
}

/** A database, a Kubernetes API emulator and the environment for broker processes that use them. */
export interface ProcessEnvironment {
  readonly database: TestDatabase;
  readonly emulator: KubernetesEmulator;
  /** A scratch directory, removed by close(). */
  readonly directory: string;
  readonly env: Record<string, string>;
  close(): Promise<void>;
}

export async function startProcessEnvironment(env: Record<string, string> = {}): Promise<ProcessEnvironment> {
  const database = await createTestDatabase();
  const emulator = await KubernetesEmulator.start();
  const directory = mkdtempSync(join(tmpdir(), 'broker-process-'));
  const kubeconfig = join(directory, 'kubeconfig.json');
  await emulator.writeKubeconfig(kubeconfig);
  return {
    database,
    emulator,
    directory,
    env: {
      DATABASE_URL: database.url,
      KUBECONFIG: kubeconfig,
      JWT_HS256_SECRET: HS256_SECRET,
      BOOTSTRAP_ADMINS: ADMIN,
      ENCRYPTION_KEY: TEST_ENCRYPTION_KEY,
      LOG_LEVEL: 'info',
      ...env,
    },
    close: async () => {
      await emulator.stop();
      await database.drop();
      rmSync(directory, { recursive: true, force: true });
    },
  };
}

/** A free TCP port on loopback (for a process that must come back on the same one). */
export function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? done(address.port) : fail(new Error('no port'))));
    });
  });
}
