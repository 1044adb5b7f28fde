import { spawn } from 'node:child_process';
import { join } from 'node:path';

const ROOT = join(import.meta.dirname, '..', '..');

/** How an `npm run` child process ended. */
export interface ScriptRun {
  /** null: killed (it ran past its deadline). */
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * `npm run <script> -- <args>` as an operator types it, in the project root, with only `env` (on
 * top of PATH and HOME). A run still going after `timeoutMs` is killed and reported with code null.
 */
export async function runNpmScript(
  script: string,
  args: readonly string[],
  env: Record<string, string>,
  timeoutMs = 60_000,
): Promise<ScriptRun> {
  const child = spawn('npm', ['run', '--silent', script, ...(args.length > 0 ? ['--', ...args] : [])], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  // npm starts node as its own child: the whole process group is ended at the deadline.
  const deadline = setTimeout(() => child.pid !== undefined && process.kill(-child.pid, 'SIGKILL'), timeoutMs);
  const code = await new Promise<number | null>((done) => child.once('close', (exitCode) => done(exitCode)));
  clearTimeout(deadline);
  return { code, stdout, stderr };
}
