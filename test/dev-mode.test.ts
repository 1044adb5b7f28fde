import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generate } from 'selfsigned';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEV_LEASE_TOUR, DEV_TOUR } from '../src/cli/dev-tour.js';
import { buildIfStale, type DevBroker, freePort, refusedDevStart, startDevBroker } from './support/dev-broker.js';
import { bodyOf, readmeBlocks, type StepResult, stepsOf, type TourStep, TourShell } from './support/readme-tour.js';

const ROOT = join(import.meta.dirname, '..');
const LEASED_SUBJECT = 'serviceaccount:team-a/app-web';

/** Every step of the README's API tour, then of its "Leases" section. */
function readmeSteps(): TourStep[] {
  return [...readmeBlocks('API tour'), ...readmeBlocks('Leases')].flatMap(stepsOf);
}

/** What the step must do: the refusal a comment names, or else success (a 2xx for curl). */
function expectAsWritten(step: TourStep, result: StepResult): void {
  const answer = `${step.command}\n→ exit ${result.exitCode} ${JSON.stringify(result.calls)}\n${result.stdout}${result.stderr}`;
  const curl = step.command.startsWith('curl ') ? result.calls.at(-1) : undefined;
  if (step.expected === 'Unauthorized') {
    expect(result.exitCode, answer).not.toBe(0);
    expect(result.stderr, answer).toContain('Unauthorized');
  } else if (step.expected !== undefined) {
    expect(curl?.status, answer).toBe(Number(step.expected));
  } else {
    expect(result.exitCode, answer).toBe(0);
    for (const call of result.calls) {
      expect(call.status, answer).toBeGreaterThanOrEqual(200);
      expect(call.status, answer).toBeLessThan(300);
    }
  }
  if (curl?.path === '/graphql') expect((bodyOf(step, result) as { errors?: unknown }).errors, answer).toBeUndefined();
}

/** Prism's validating proxy (the README's own command line), on loopback in front of `upstream`. */
async function startPrism(upstream: string, port: number): Promise<ChildProcess> {
  const prism = spawn(
    join(ROOT, 'node_modules/.bin/prism'),
    ['proxy', 'openapi/openapi.yaml', upstream, '--host', '127.0.0.1', '--port', String(port)],
    { cwd: ROOT, env: { PATH: process.env.PATH }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  await new Promise<void>((resolve, reject) => {
    prism.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      output += chunk;
      if (output.includes('Prism is listening')) resolve();
    });
    prism.once('exit', (code) => reject(new Error(`prism exited with ${code}:\n${output}`)));
  });
  return prism;
}

describe('dev mode', () => {
  const scratch = mkdtempSync(join(tmpdir(), 'dev-mode-'));
  const started: DevBroker[] = [];
  const start = async (dataDir: string, port: number, options?: Parameters<typeof startDevBroker>[2]) => {
    const broker = await startDevBroker(dataDir, port, options);
    started.push(broker);
    return broker;
  };

  beforeAll(() => buildIfStale(), 300_000);
  afterAll(async () => {
    await Promise.all(started.map((broker) => broker.stop()));
    rmSync(scratch, { recursive: true, force: true });
  });

  it('prints the README tour, and every step of it and of the leases answers as the README says', async () => {
    expect(readmeBlocks('API tour')).toEqual(DEV_TOUR);
    expect(readmeBlocks('Leases')).toEqual([DEV_LEASE_TOUR]);
    const workDir = join(scratch, 'tour');
    const broker = await start(join(workDir, 'data'), await freePort());
    for (const block of DEV_TOUR) expect(broker.banner).toContain(block);
    expect(Object.keys(broker.exports).sort()).toEqual(['ALICE_TOKEN', 'B', 'BOB_TOKEN', 'BROKER_TOKEN']);
    expect(broker.banner).toContain(`${broker.exports.B}/docs`);
    expect(broker.exports.B).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);

    const shell = new TourShell(workDir, scratch, broker.exports);
    const steps = readmeSteps();
    expect(steps.length).toBeGreaterThan(25);
    const results: StepResult[] = [];
    for (const step of steps) {
      const result = await shell.run(step);
      expectAsWritten(step, result);
      results.push(result);
    }

    // The leased token is the ServiceAccount to the broker and, leased without audiences, to kubectl.
    const leased = steps.findIndex((step) => step.command.includes('whoami -H "Authorization: Bearer $APP_TOKEN"'));
    expect((bodyOf(steps[leased], results[leased]) as { subject: string }).subject).toBe(LEASED_SUBJECT);
    const kubectl = steps.findIndex((step) => step.command.startsWith('kubectl '));
    expect(results[kubectl].stdout).toContain('system:serviceaccount:team-a:app-web');
    // After DELETE, both are refused (the steps the README says answer 401 and Unauthorized).
    expect(steps.filter((step) => step.expected === '401' || step.expected === 'Unauthorized')).toHaveLength(2);
  }, 180_000);

  it("passes Prism's validating proxy with no violation along the tour and the leases", async () => {
    const workDir = join(scratch, 'prism');
    const broker = await start(join(workDir, 'data'), await freePort());
    const prismPort = await freePort();
    const prism = await startPrism(broker.exports.B, prismPort);
    try {
      const shell = new TourShell(workDir, scratch, { ...broker.exports, B: `http://127.0.0.1:${prismPort}` });
      const calls = [];
      for (const step of readmeSteps()) {
        const result = await shell.run(step);
        expectAsWritten(step, result);
        calls.push(...result.calls);
      }
      expect(calls.length).toBeGreaterThan(20);
      expect(calls.filter((call) => call.violations !== '')).toEqual([]);
    } finally {
      const exited = once(prism, 'exit');
      prism.kill('SIGTERM');
      await exited;
    }
  }, 180_000);

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
    await second.stop();

    // --reset: the same folder, emptied; the secrets are gone and the old token no longer signs in.
    const fresh = await start(dataDir, port, { args: ['--reset'] });
    expect(fresh.exports.BROKER_TOKEN).not.toBe(BROKER_TOKEN);
    const gone = await fetch(`${B}${secrets}/kept`, {
      headers: { Authorization: `Bearer ${fresh.exports.BROKER_TOKEN}` },
    });
    expect(gone.status).toBe(404);
  }, 120_000);

  it('refuses a second start, on the same data folder or port, before touching any file', async () => {
    const dataDir = join(scratch, 'single');
    const port = await freePort();
    await start(dataDir, port);
    const kubeconfig = join(dataDir, 'emulator-kubeconfig.json');
    const before = { text: readFileSync(kubeconfig, 'utf8'), modified: statSync(kubeconfig).mtimeMs };

    const sameFolder = await refusedDevStart(dataDir, await freePort());
    expect(sameFolder.code).toBe(1);
    expect(sameFolder.output).toMatch(/^npm run dev is already running \(pid \d+\) with its data in /);
    const samePort = await refusedDevStart(join(scratch, 'other'), port);
    expect(samePort.code).toBe(1);
    expect(samePort.output).toContain(`something already listens on 127.0.0.1:${port}`);
    expect(existsSync(join(scratch, 'other'))).toBe(false);
    const resetting = await refusedDevStart(dataDir, await freePort(), { args: ['--reset'] });
    expect(resetting.code).toBe(1);
    const unknown = await refusedDevStart(join(scratch, 'unknown'), await freePort(), { args: ['--rest'] });
    expect(unknown.output).toContain('unknown argument --rest');

    expect({ text: readFileSync(kubeconfig, 'utf8'), modified: statSync(kubeconfig).mtimeMs }).toEqual(before);
  }, 120_000);

  it('prints https in the banner when TLS is on', async () => {
    const dataDir = join(scratch, 'tls');
    const pems = await generate([{ name: 'commonName', value: 'localhost' }], { keyType: 'ec', curve: 'P-256' });
    const [cert, key] = [join(scratch, 'tls.crt'), join(scratch, 'tls.key')];
    writeFileSync(cert, pems.cert);
    writeFileSync(key, pems.private);
    const broker = await start(dataDir, await freePort(), { env: { TLS_CERT_FILE: cert, TLS_KEY_FILE: key } });
    expect(broker.exports.B).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    expect(broker.banner).toContain(`Docs:        ${broker.exports.B}/docs`);
  }, 120_000);
});
