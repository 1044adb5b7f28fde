import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { KubeConfig } from '@kubernetes/client-node';
import { KubernetesEmulator } from '../../src/emulator/index.js';

const run = promisify(execFile);
export const KUBECTL = process.env.KUBECTL ?? '/usr/bin/kubectl';

export interface KubectlResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** kubectl against the emulator, with its own kubeconfig and discovery cache in a temp dir (never ~/.kube). */
export class Kubectl {
  private constructor(
    readonly dir: string,
    private readonly kubeconfigPath: string,
    private readonly binary: string,
  ) {}

  static async create(
    emulator: KubernetesEmulator,
    options: { token?: string; namespace?: string; binary?: string } = {},
  ): Promise<Kubectl> {
    const dir = await mkdtemp(join(tmpdir(), 'kubectl-'));
    const path = join(dir, 'kubeconfig.json');
    await emulator.writeKubeconfig(path, options);
    return new Kubectl(dir, path, options.binary ?? KUBECTL);
  }

  async run(args: string[], input?: string): Promise<KubectlResult> {
    const full = ['--kubeconfig', this.kubeconfigPath, '--cache-dir', join(this.dir, 'cache'), ...args];
    const env = { PATH: process.env.PATH ?? '', HOME: this.dir };
    try {
      if (input === undefined) {
        const { stdout, stderr } = await run(this.binary, full, { env, timeout: 20_000 });
        return { code: 0, stdout, stderr };
      }
      const file = join(this.dir, `input-${Date.now()}-${Math.random().toString(36).slice(2)}.json`);
      await writeFile(file, input);
      const { stdout, stderr } = await run(this.binary, [...full, '-f', file], { env, timeout: 20_000 });
      return { code: 0, stdout, stderr };
    } catch (err) {
      const e = err as { code?: number; stdout?: string; stderr?: string };
      return { code: typeof e.code === 'number' ? e.code : 1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
    }
  }

  /** Runs and fails the test with kubectl's stderr when the command fails. */
  async ok(args: string[], input?: string): Promise<string> {
    const result = await this.run(args, input);
    if (result.code !== 0) throw new Error(`kubectl ${args.join(' ')} failed (${result.code}): ${result.stderr}`);
    return result.stdout;
  }

  async dispose(): Promise<void> {
    await rm(this.dir, { recursive: true, force: true });
  }
}

export function kubeConfigFor(emulator: KubernetesEmulator, token?: string): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromString(emulator.kubeconfig({ token }));
  return kc;
}

/** A plain HTTPS request to the emulator, trusting its CA, for wire-level assertions. */
export async function call(
  emulator: KubernetesEmulator,
  method: string,
  path: string,
  options: { body?: unknown; token?: string | null; contentType?: string; accept?: string } = {},
): Promise<{ status: number; headers: Headers; json: Record<string, unknown>; text: string }> {
  const headers: Record<string, string> = {};
  const token = options.token === undefined ? emulator.adminToken : options.token;
  if (token !== null) headers.authorization = `Bearer ${token}`;
  if (options.body !== undefined) headers['content-type'] = options.contentType ?? 'application/json';
  if (options.accept) headers.accept = options.accept;
  // The plain-HTTP listener carries the same API; using it here keeps the test free of TLS agent plumbing.
  const response = await fetch(`${emulator.httpUrl}${path}`, {
    method,
    headers,
    body:
      options.body === undefined
        ? undefined
        : typeof options.body === 'string'
          ? options.body
          : JSON.stringify(options.body),
  });
  const text = await response.text();
  let json: Record<string, unknown>;
  try {
    json = JSON.parse(text) as Record<string, unknown>;
  } catch {
    json = {};
  }
  return { status: response.status, headers: response.headers, json, text };
}

export function secret(name: string, data: Record<string, string> = { key: 'value' }, labels?: Record<string, string>) {
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name, labels },
    data: Object.fromEntries(Object.entries(data).map(([k, v]) => [k, Buffer.from(v).toString('base64')])),
  };
}

/** Polls until `check` returns a value (or the deadline passes). */
export async function eventually<T>(check: () => T | undefined | false, timeoutMs = 5000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** The status code and v1 Status body of a client-node call that must fail. */
export async function apiFailure(promise: Promise<unknown>): Promise<{ code: number; body: Record<string, unknown> }> {
  try {
    await promise;
  } catch (err) {
    const e = err as { code?: number; body?: unknown };
    const body =
      typeof e.body === 'string'
        ? (JSON.parse(e.body) as Record<string, unknown>)
        : ((e.body ?? {}) as Record<string, unknown>);
    return { code: e.code ?? 0, body };
  }
  throw new Error('expected the call to fail');
}
