import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';

/** Where a running `npm run dev` notes its process id, in its data folder. */
const INSTANCE_FILE = 'dev-instance.json';
// A refused or silent port answers well within this on loopback.
const PORT_PROBE_TIMEOUT_MS = 1_000;

interface InstanceRecord {
  readonly pid: number;
}

/**
 * Why this `npm run dev` must not start, found by reading only: another one keeps its state in
 * the same data folder, or something already listens on the port. Undefined when it may start.
 */
export async function reasonNotToStart(dataDir: string, host: string, port: number): Promise<string | undefined> {
  const running = runningInstance(dataDir);
  if (running) {
    return `npm run dev is already running (pid ${running.pid}) with its data in ${dataDir}; stop it first, or set BROKER_DATA_DIR to another folder`;
  }
  if (await isListening(host, port)) {
    return `something already listens on ${host}:${port} (another npm run dev?); stop it, or set PORT to another port`;
  }
  return undefined;
}

/** Notes this process as the data folder's running instance until it exits. */
export function claimDataDir(dataDir: string): void {
  const path = join(dataDir, INSTANCE_FILE);
  const record: InstanceRecord = { pid: process.pid };
  writeFileSync(path, JSON.stringify(record));
  process.once('exit', () => rmSync(path, { force: true }));
}

function runningInstance(dataDir: string): InstanceRecord | undefined {
  const path = join(dataDir, INSTANCE_FILE);
  if (!existsSync(path)) return undefined;
  let record: InstanceRecord;
  try {
    record = JSON.parse(readFileSync(path, 'utf8')) as InstanceRecord;
  } catch {
    return undefined;
  }
  return Number.isInteger(record.pid) && isAlive(record.pid) ? record : undefined;
}

function isAlive(pid: number): boolean {
  try {
    // Signal 0 checks that the process exists without touching it.
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function isListening(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: host === '0.0.0.0' ? '127.0.0.1' : host, port });
    socket.setTimeout(PORT_PROBE_TIMEOUT_MS);
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('timeout', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', () => resolve(false));
  });
}
