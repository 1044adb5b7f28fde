import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { OpenAPIV3 } from 'openapi-types';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { DEV_TOUR } from '../../src/cli/dev-tour.js';
import { buildIfStale, type DevBroker, freePort, startDevBroker } from '../support/dev-broker.js';

const ROOT = join(import.meta.dirname, '..', '..');
const run = promisify(execFile);
// A CommonJS module whose class is its `default` export; required as Node does, whatever the test runner's interop.
const { default: OpenAPIResponseValidator } = createRequire(import.meta.url)(
  'openapi-response-validator',
) as typeof import('openapi-response-validator');

interface TourStep {
  readonly command: string;
  /** The status a comment before it names ("… answers 403"); otherwise any 2xx. */
  readonly expectedStatus?: number;
}

/** The `sh` blocks of the README's "API tour" section, in order. */
function readmeTourBlocks(): string[] {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('## API tour'));
  const tour = section.slice(0, section.indexOf('\n## ', 1));
  return [...tour.matchAll(/```sh\n([\s\S]*?)\n```/g)].map(([, block]) => block);
}

/** A step that keeps what it printed in an exported variable (`export NAME=$(curl …)`) for the steps after it. */
const CAPTURE = /^export (\w+)=\$\(curl /;

/** One step per `curl` command; a command runs until the next curl, comment or blank line. */
function stepsOf(block: string): TourStep[] {
  const steps: TourStep[] = [];
  let expectedStatus: number | undefined;
  for (const line of block.split('\n')) {
    if (line.startsWith('curl ') || CAPTURE.test(line)) {
      steps.push({ command: line, expectedStatus });
      expectedStatus = undefined;
    } else if (line.startsWith('#')) {
      const named = /answers (\d{3})$/.exec(line);
      expectedStatus = named ? Number(named[1]) : undefined;
    } else if (line.trim() !== '') {
      const last = steps.pop() as TourStep;
      steps.push({ ...last, command: `${last.command}\n${line}` });
    }
  }
  return steps;
}

interface CurlResult {
  readonly status: number;
  readonly method: string;
  readonly path: string;
  readonly body: unknown;
}

/**
 * Runs a capturing step exactly as written, in bash, and adds what it kept to `exports`: the
 * captured value must be a UUID (the id of what the step created), or the step failed.
 */
async function runCapture(step: TourStep, exports: Record<string, string>): Promise<Record<string, string>> {
  const name = (CAPTURE.exec(step.command) as RegExpExecArray)[1];
  const { stdout } = await run('bash', ['-c', `${step.command}\nprintf %s "$${name}"`], {
    env: { PATH: process.env.PATH, ...exports },
  });
  expect(stdout, step.command).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
  return { ...exports, [name]: stdout };
}

/** Runs a step as written with real curl and bash, adding only where the answer goes. */
async function runStep(step: TourStep, exports: Record<string, string>, scratch: string): Promise<CurlResult> {
  const bodyFile = join(scratch, 'body');
  const { stdout } = await run(
    'bash',
    ['-c', `${step.command} -o '${bodyFile}' -w '%{http_code} %{method} %{url_effective}'`],
    { env: { PATH: process.env.PATH, ...exports } },
  );
  const [status, method, url] = stdout.split(' ');
  let text = readFileSync(bodyFile, 'utf8');
  // `curl -i` puts the response head before the body.
  if (/(^|\s)-i(\s|$)/.test(step.command)) text = text.slice(text.indexOf('\r\n\r\n') + 4);
  return { status: Number(status), method, path: new URL(url).pathname, body: text ? JSON.parse(text) : undefined };
}

type Operations = Record<string, Record<string, OpenAPIV3.OperationObject>>;

/** What the OpenAPI document says of this answer: nothing when it conforms. */
function violations(document: OpenAPIV3.Document, result: CurlResult): unknown {
  const paths = document.paths as Operations;
  const template = Object.keys(paths).find((candidate) =>
    new RegExp(`^${candidate.replace(/\{[^}]+\}/g, '[^/]+')}$`).test(result.path),
  );
  const operation = template ? paths[template][result.method.toLowerCase()] : undefined;
  if (!operation) return `no operation ${result.method} ${result.path} in openapi/openapi.yaml`;
  const validator = new OpenAPIResponseValidator({
    responses: operation.responses as never,
    components: document.components,
  });
  return validator.validateResponse(String(result.status), result.body);
}

describe('dev mode', () => {
  const scratch = mkdtempSync(join(tmpdir(), 'dev-mode-'));
  const started: DevBroker[] = [];
  const start = async (dataDir: string, port: number) => {
    const broker = await startDevBroker(dataDir, port);
    started.push(broker);
    return broker;
  };

  beforeAll(() => buildIfStale(), 300_000);
  afterAll(async () => {
    await Promise.all(started.map((broker) => broker.stop()));
    rmSync(scratch, { recursive: true, force: true });
  });

  it('prints the README tour, and every step of it answers as the README says', async () => {
    const blocks = readmeTourBlocks();
    expect(blocks).toEqual(DEV_TOUR);
    const broker = await start(join(scratch, 'tour'), await freePort());
    for (const block of DEV_TOUR) expect(broker.banner).toContain(block);
    expect(Object.keys(broker.exports).sort()).toEqual(['ALICE_TOKEN', 'B', 'BOB_TOKEN', 'BROKER_TOKEN']);

    const steps = blocks.flatMap(stepsOf);
    expect(steps.length).toBeGreaterThan(15);
    let exports = broker.exports;
    for (const step of steps) {
      if (CAPTURE.test(step.command)) {
        exports = await runCapture(step, exports);
        continue;
      }
      const result = await runStep(step, exports, scratch);
      const answer = `${step.command}\n→ ${result.status} ${JSON.stringify(result.body)}`;
      if (step.expectedStatus === undefined) {
        expect(result.status, answer).toBeGreaterThanOrEqual(200);
        expect(result.status, answer).toBeLessThan(300);
      } else {
        expect(result.status, answer).toBe(step.expectedStatus);
      }
      if (result.path === '/graphql') expect((result.body as { errors?: unknown }).errors, answer).toBeUndefined();
    }
  }, 120_000);

  it('gets only answers openapi/openapi.yaml declares along the tour', async () => {
    const broker = await start(join(scratch, 'validated-tour'), await freePort());
    const document = parse(readFileSync(join(ROOT, 'openapi/openapi.yaml'), 'utf8')) as OpenAPIV3.Document;
    const undeclared: unknown[] = [];
    let exports = broker.exports;
    for (const step of readmeTourBlocks().flatMap(stepsOf)) {
      if (CAPTURE.test(step.command)) {
        exports = await runCapture(step, exports);
        continue;
      }
      const result = await runStep(step, exports, scratch);
      // GraphQL has its own contract, the SDL.
      if (result.path === '/graphql') continue;
      const found = violations(document, result);
      if (found) undeclared.push({ answer: `${result.method} ${result.path} → ${result.status}`, found });
    }
    expect(undeclared).toEqual([]);
  }, 120_000);

  it('keeps the secrets, at their versions, when stopped and started again', async () => {
    const dataDir = join(scratch, 'restart');
    const port = await freePort();
    const first = await start(dataDir, port);
    const { B, BROKER_TOKEN } = first.exports;
    const call = (method: string, path: string, body?: object) =>
      fetch(`${B}${path}`, {
        method,
        headers: { Authorization: `Bearer ${BROKER_TOKEN}`, 'Content-Type': 'application/json' },
        body: body && JSON.stringify(body),
      });
    const secrets = '/v1/namespaces/team-a/secrets';
    expect((await call('POST', secrets, { name: 'kept', data: { password: 'first' } })).status).toBe(201);
    expect(
      (await call('POST', secrets, { name: 'rotated', generate: { password: { type: 'password' } } })).status,
    ).toBe(201);
    expect((await call('POST', `${secrets}/rotated/rotate`, {})).status).toBe(200);
    const before = await Promise.all(
      ['kept', 'rotated'].map(async (name) => (await call('POST', `${secrets}/${name}/request`, {})).json()),
    );
    await first.stop();

    const second = await start(dataDir, port);
    // The same signing secret: the first start's token still works.
    expect(second.exports.BROKER_TOKEN).toBeDefined();
    for (const [index, name] of ['kept', 'rotated'].entries()) {
      const response = await call('POST', `${secrets}/${name}/request`, {});
      expect(response.status, name).toBe(200);
      expect(await response.json()).toEqual(before[index]);
    }
    expect(before.map((values) => (values as { version: number }).version)).toEqual([1, 2]);
  }, 120_000);
});
