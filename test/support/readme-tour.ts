import { execFile } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const ROOT = join(import.meta.dirname, '..', '..');
const CURL_MARK = '@@curl ';

export interface TourStep {
  readonly command: string;
  /** How a comment before it says the step is refused ("… answers 403", "… answers Unauthorized"). */
  readonly expected?: string;
}

/** One curl run during a step, as curl's own `--write-out` reported it. */
export interface CurlCall {
  readonly status: number;
  readonly method: string;
  readonly path: string;
  /** Prism's `sl-violations` header, when Prism proxied the call and found a violation. */
  readonly violations: string;
}

export interface StepResult {
  readonly exitCode: number;
  readonly stdout: string;
  readonly stderr: string;
  readonly calls: readonly CurlCall[];
}

/** The `sh` blocks of one README section, in order. */
export function readmeBlocks(heading: string): string[] {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf(`\n## ${heading}\n`) + 1);
  const body = section.slice(0, section.indexOf('\n## ', 1));
  return [...body.matchAll(/```sh\n([\s\S]*?)\n```/g)].map(([, block]) => block);
}

const STEP_START = /^(curl |kubectl |sleep |(export )?[A-Z_]+=)/;

/** One step per command (curl, kubectl, sleep or a variable assignment) with its continuation lines. */
export function stepsOf(block: string): TourStep[] {
  const steps: TourStep[] = [];
  let expected: string | undefined;
  for (const line of block.split('\n')) {
    if (STEP_START.test(line)) {
      steps.push({ command: line, expected });
      expected = undefined;
    } else if (line.startsWith('#')) {
      expected = /answers (\d{3}|Unauthorized)$/.exec(line)?.[1];
    } else if (line.trim() !== '') {
      const last = steps.pop() as TourStep;
      steps.push({ ...last, command: `${last.command}\n${line}` });
    }
  }
  return steps;
}

/**
 * Runs README steps as written, each with real bash, curl, jq and kubectl, in `workDir` (the
 * folder holding `data/`). Variables a step assigns are kept for the next ones. Curl reports every
 * call it makes on stderr through a `.curlrc` (its `--write-out`), so the commands stay untouched.
 */
export class TourShell {
  private readonly stateFile: string;
  private readonly curlHome: string;

  constructor(
    private readonly workDir: string,
    scratch: string,
    private readonly exports: Record<string, string>,
  ) {
    this.stateFile = join(scratch, 'tour-state.sh');
    this.curlHome = join(scratch, 'curl-home');
    mkdirSync(this.curlHome, { recursive: true });
    writeFileSync(this.stateFile, '');
    writeFileSync(
      join(this.curlHome, '.curlrc'),
      `write-out = "%{stderr}${CURL_MARK}%{http_code} %{method} %{url_effective} %header{sl-violations}\\n"\n`,
    );
  }

  run(step: TourStep): Promise<StepResult> {
    const assigned = /^(?:export )?([A-Z_]+)=/.exec(step.command)?.[1];
    const script = [
      `. '${this.stateFile}'`,
      step.command,
      ...(assigned ? [`status=$?; declare -p ${assigned} >> '${this.stateFile}'; exit $status`] : []),
    ].join('\n');
    return new Promise((resolve) => {
      execFile(
        'bash',
        ['-c', script],
        {
          cwd: this.workDir,
          env: { PATH: process.env.PATH, HOME: this.curlHome, CURL_HOME: this.curlHome, ...this.exports },
        },
        (error, stdout, stderr) => {
          const exitCode = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
          resolve({ exitCode, stdout, stderr: withoutCurlReports(stderr), calls: curlCalls(stderr) });
        },
      );
    });
  }
}

function curlCalls(stderr: string): CurlCall[] {
  return stderr
    .split('\n')
    .filter((line) => line.startsWith(CURL_MARK))
    .map((line) => {
      const [status, method, url, ...violations] = line.slice(CURL_MARK.length).split(' ');
      return { status: Number(status), method, path: new URL(url).pathname, violations: violations.join(' ') };
    });
}

function withoutCurlReports(stderr: string): string {
  return stderr
    .split('\n')
    .filter((line) => !line.startsWith(CURL_MARK))
    .join('\n');
}

/** The JSON body a plain curl step printed (after the response head for `curl -i`). */
export function bodyOf(step: TourStep, result: StepResult): unknown {
  let text = result.stdout;
  if (/(^|\s)-i(\s|$)/.test(step.command)) text = text.slice(text.indexOf('\r\n\r\n') + 4);
  return text ? JSON.parse(text) : undefined;
}
