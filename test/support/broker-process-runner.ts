import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { ADMIN, TEST_ENCRYPTION_KEY, type Broker } from './broker.js';
import { HS256_SECRET } from './tokens.js';

const REGISTER = fileURLToPath(new URL('./swc-register.mjs', import.meta.url));
const ENTRY = fileURLToPath(new URL('./broker-process.ts', import.meta.url));

/** A broker in a child process, on `broker`'s database and cluster, which a test may SIGKILL. */
export interface BrokerProcess {
  readonly child: ChildProcess;
  kill(signal: NodeJS.Signals): Promise<void>;
}

export async function startBrokerProcess(broker: Broker, env: Record<string, string>): Promise<BrokerProcess> {
  const settings = {
    DATABASE_URL: broker.database.url,
    KUBECONFIG: broker.config.kubeconfigPath ?? '',
    JWT_HS256_SECRET: HS256_SECRET,
    BOOTSTRAP_ADMINS: ADMIN,
    ENCRYPTION_KEY: TEST_ENCRYPTION_KEY,
    LOG_LEVEL: 'warn',
    ...env,
  };
  const child = spawn(process.execPath, ['--import', REGISTER, ENTRY], {
    env: { PATH: process.env.PATH ?? '', BROKER_ENV: JSON.stringify(settings) },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const exited = once(child, 'exit');
  const started = new Promise<void>((done) => createInterface({ input: child.stdout }).once('line', () => done()));
  await Promise.race([
    started,
    exited.then(([code]) => {
      throw new Error(`the broker process exited with ${String(code)} before it started`);
    }),
  ]);
  return {
    child,
    kill: async (signal) => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      await exited;
    },
  };
}
