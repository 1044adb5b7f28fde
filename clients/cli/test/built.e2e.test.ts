import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import jwt from 'jsonwebtoken';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildIfStale, freePort, startDevBroker, type DevBroker } from '../../../test/support/dev-broker.js';
import { BUILT_CLI, buildCli, builtCli } from './support.js';

/** The built brokerctl in child processes against `npm run dev` (the bundled emulator). */
describe('the built brokerctl against a dev-mode broker', () => {
  let scratch: string;
  let dev: DevBroker;
  let env: NodeJS.ProcessEnv;
  beforeAll(async () => {
    buildCli();
    buildIfStale();
    scratch = mkdtempSync(join(tmpdir(), 'brokerctl-e2e-'));
    dev = await startDevBroker(join(scratch, 'data'), await freePort());
    env = { XDG_CONFIG_HOME: join(scratch, 'config'), BROKER_ADDR: dev.exports.B };
  }, 240_000);
  afterAll(async () => {
    await dev?.stop();
    if (scratch) rmSync(scratch, { recursive: true, force: true });
  });

  const cli = (args: readonly string[], options: { env?: NodeJS.ProcessEnv; stdin?: string } = {}) =>
    builtCli(args, { stdin: options.stdin, env: { ...env, ...options.env } });
  const json = async (args: readonly string[]) => {
    const result = await cli([...args, '-o', 'json']);
    expect(result.code, `${args.join(' ')}: ${result.stderr}`).toBe(0);
    return JSON.parse(result.stdout);
  };

  it('logs in with --token-file -, keeps the token in a 0600 file, and whoami says where the credential came from', async () => {
    const login = await cli(['login', '--token-file', '-'], { stdin: `${dev.exports.BROKER_TOKEN}\n` });
    expect(login.code, login.stderr).toBe(0);
    expect(login.stdout).toBe('');
    expect(login.stderr).toContain('as user:dev-admin');
    const stored = join(scratch, 'config', 'brokerctl', 'credentials', 'default.json');
    expect(statSync(stored).mode & 0o777).toBe(0o600);

    const whoami = await cli(['whoami']);
    expect(whoami.code, whoami.stderr).toBe(0);
    expect(whoami.stdout).toContain('Subject:     user:dev-admin\n');
    expect(whoami.stdout).toContain(`Credential:  brokerctl login (context default, ${stored})`);

    // Higher in the order: BROKER_TOKEN over the login, --token-file over BROKER_TOKEN.
    const fromEnvironment = await cli(['whoami', '-o', 'json'], { env: { BROKER_TOKEN: dev.exports.ALICE_TOKEN } });
    expect(JSON.parse(fromEnvironment.stdout)).toMatchObject({
      subject: 'user:alice',
      credential: { source: 'BROKER_TOKEN' },
    });
    const tokenFile = join(scratch, 'admin.token');
    writeFileSync(tokenFile, dev.exports.BROKER_TOKEN, { mode: 0o600 });
    const fromFile = await cli(['whoami', '-o', 'json', '--token-file', tokenFile], {
      env: { BROKER_TOKEN: dev.exports.ALICE_TOKEN },
    });
    expect(JSON.parse(fromFile.stdout)).toMatchObject({
      subject: 'user:dev-admin',
      credential: { source: '--token-file' },
    });
  });

  it('creates, gets, rotates and rolls back a secret', async () => {
    const created = await json([
      'secrets',
      'create',
      'db-cli',
      '-n',
      'team-a',
      '--generate',
      'password=password,length=24',
    ]);
    expect(created.version.version).toBe(1);
    const first = await json(['secrets', 'get', 'db-cli', '-n', 'team-a', '--reveal']);
    expect(first.values[0].value).toHaveLength(24);

    expect((await json(['secrets', 'rotate', 'db-cli', '-n', 'team-a', '--reason', 'e2e'])).version.version).toBe(2);
    const second = await json(['secrets', 'get', 'db-cli', '-n', 'team-a', '--reveal']);
    expect(second.values[0].value).not.toBe(first.values[0].value);

    const rolledBack = await json(['secrets', 'rollback', 'db-cli', '-n', 'team-a', '--to-version', '1', '--yes']);
    expect(rolledBack.version).toMatchObject({ version: 3, reason: 'rollback', sourceVersion: 1 });
    expect((await json(['secrets', 'get', 'db-cli', '-n', 'team-a', '--reveal'])).values).toEqual(first.values);
    expect((await json(['secrets', 'get', 'db-cli', '-n', 'team-a'])).currentVersion).toBe(3);
    const versions = await json(['secrets', 'versions', 'db-cli', '-n', 'team-a']);
    expect(versions.map((version: { reason: string }) => version.reason)).toEqual(
      expect.arrayContaining(['create', 'rotate', 'rollback']),
    );
  });

  it('verifies the audit chain', async () => {
    const verified = await cli(['audit', 'verify']);
    expect(verified.code, verified.stderr).toBe(0);
    expect(verified.stdout).toMatch(/^yes\t\d+\t/);
  });

  describe('run', () => {
    let value: string;
    beforeAll(async () => {
      await cli(['secrets', 'create', 'db-run', '-n', 'team-a', '--generate', 'password=password,length=32']);
      value = (await json(['secrets', 'get', 'db-run', '-n', 'team-a', '--reveal'])).values[0].value;
    });

    it('gives the command the value as an environment variable, printed nowhere by brokerctl', async () => {
      const seen = join(scratch, 'seen');
      const script = `require('fs').writeFileSync(${JSON.stringify(seen)}, process.env.DB_PASSWORD); console.log('child ran')`;
      const result = await cli([
        'run',
        '-n',
        'team-a',
        '-s',
        'db-run',
        '--map',
        'password=DB_PASSWORD',
        '--',
        'node',
        '-e',
        script,
      ]);
      expect(result.code, result.stderr).toBe(0);
      expect(readFileSync(seen, 'utf8')).toBe(value);
      expect(result.stdout).toBe('child ran\n');
      expect(`${result.stdout}${result.stderr}`).not.toContain(value);
    });

    it('refuses a clash with the environment unless --override, and a name that is not a variable name', async () => {
      const clash = await cli(['run', '-n', 'team-a', '-s', 'db-run', '--prefix', 'DB_', '--', 'node', '-e', ''], {
        env: { DB_password: 'already' },
      });
      expect(clash.code).toBe(2);
      expect(clash.stderr).toContain('DB_password');
      const overridden = await cli(
        [
          'run',
          '-n',
          'team-a',
          '-s',
          'db-run',
          '--prefix',
          'DB_',
          '--override',
          '--',
          'node',
          '-e',
          'process.exit(process.env.DB_password === "already" ? 1 : 0)',
        ],
        { env: { DB_password: 'already' } },
      );
      expect(overridden.code, overridden.stderr).toBe(0);
      const badName = await cli([
        'run',
        '-n',
        'team-a',
        '-s',
        'db-run',
        '--map',
        'password=1BAD',
        '--',
        'node',
        '-e',
        '',
      ]);
      expect(badName.code).toBe(2);
      expect(`${badName.stdout}${badName.stderr}`).not.toContain(value);
    });

    it('exits with the command’s own code, without a shell unless --shell', async () => {
      expect((await cli(['run', '-s', 'team-a/db-run', '--', 'node', '-e', 'process.exit(42)'])).code).toBe(42);
      const literal = await cli(['run', '-s', 'team-a/db-run', '--', 'echo', '$password']);
      expect(literal.stdout).toBe('$password\n');
      const shell = await cli([
        'run',
        '-s',
        'team-a/db-run',
        '--shell',
        '--',
        'test "$password" = "$password" && echo same',
      ]);
      expect(shell.stdout).toBe('same\n');
    });

    it('forwards SIGTERM to the command and exits 143 when it dies of it', async () => {
      const marker = join(scratch, 'terminated');
      const script = [
        "process.on('SIGTERM', () => {",
        `  require('fs').writeFileSync(${JSON.stringify(marker)}, 'SIGTERM');`,
        "  process.removeAllListeners('SIGTERM');",
        "  process.kill(process.pid, 'SIGTERM');",
        '});',
        "console.log('ready');",
        'setInterval(() => {}, 1000);',
      ].join('\n');
      const child = spawn(process.execPath, [BUILT_CLI, 'run', '-s', 'team-a/db-run', '--', 'node', '-e', script], {
        env: { PATH: process.env.PATH, ...env, BROKER_TOKEN: dev.exports.BROKER_TOKEN },
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      const exited = once(child, 'exit');
      await new Promise<void>((resolve) =>
        child.stdout.on('data', (chunk: Buffer) => chunk.toString().includes('ready') && resolve()),
      );
      child.kill('SIGTERM');
      const [code, signal] = await exited;
      expect({ code, signal }).toEqual({ code: 143, signal: null });
      expect(readFileSync(marker, 'utf8')).toBe('SIGTERM');
    });

    it('exits 137 when the command is killed by SIGKILL', async () => {
      const result = await cli([
        'run',
        '-s',
        'team-a/db-run',
        '--',
        'node',
        '-e',
        "process.kill(process.pid, 'SIGKILL')",
      ]);
      expect(result.code).toBe(137);
    });
  });

  describe('access requests', () => {
    let aliceEnv: NodeJS.ProcessEnv;
    let bobEnv: NodeJS.ProcessEnv;
    let adminEnv: NodeJS.ProcessEnv;
    beforeAll(async () => {
      adminEnv = { BROKER_TOKEN: dev.exports.BROKER_TOKEN };
      // dev mode signs with the secret in its data directory: bob is a second identity beside alice.
      const signingSecret = readFileSync(join(scratch, 'data', 'dev-jwt-secret'), 'utf8').trim();
      aliceEnv = { BROKER_TOKEN: dev.exports.ALICE_TOKEN };
      bobEnv = { BROKER_TOKEN: jwt.sign({ sub: 'bob' }, signingSecret, { algorithm: 'HS256', expiresIn: '1h' }) };
      for (const args of [
        ['roles', 'create', 'db-approver', '--verb', 'approve', '--verb', 'list'],
        [
          'grants',
          'create',
          '--subject',
          'user:bob',
          '--role',
          'db-approver',
          '-n',
          'team-a',
          '--name-pattern',
          'db-*',
        ],
        ['access', 'policies', 'create', 'db-readers', '-n', 'team-a', '--name-pattern', 'db-*', '--role', 'reader'],
      ]) {
        const result = await cli(
          args[0] === 'access'
            ? [...args, '--requester', 'user:alice', '--max-duration', '1h', '--require-reason']
            : args,
          { env: adminEnv },
        );
        expect(result.code, `${args.join(' ')}: ${result.stderr}`).toBe(0);
      }
      await cli(['secrets', 'create', 'db-jit', '-n', 'team-a', '--generate', 'password=password'], { env: adminEnv });
    });

    /** Bob's review queue until alice's request shows up in it. */
    async function pendingForBob(): Promise<string> {
      for (let attempt = 0; attempt < 50; attempt++) {
        const queue = await cli(['access', 'list', '--view', 'needs-my-review', '--state', 'pending', '-o', 'json'], {
          env: bobEnv,
        });
        const [request] = JSON.parse(queue.stdout);
        if (request) return request.id as string;
      }
      throw new Error('no pending request reached bob');
    }

    const request = (namePattern: string) =>
      cli(
        [
          'access',
          'request',
          '--policy',
          'db-readers',
          '--role',
          'reader',
          '-n',
          'team-a',
          '--name-pattern',
          namePattern,
          '--duration',
          '30m',
          '--reason',
          'incident 42',
          '--wait',
          '-o',
          'json',
        ],
        { env: aliceEnv },
      );

    it('waits for the approval of another identity and exits 0; the access then works', async () => {
      expect((await cli(['secrets', 'get', 'db-jit', '-n', 'team-a', '--reveal'], { env: aliceEnv })).code).toBe(5);
      const waiting = request('db-jit');
      const id = await pendingForBob();
      const ownReview = await cli(['access', 'approve', id], { env: aliceEnv });
      expect(ownReview.code).toBe(5);
      const approved = await cli(['access', 'approve', id, '--reason', 'on call'], { env: bobEnv });
      expect(approved.code, approved.stderr).toBe(0);

      const result = await waiting;
      expect(result.code, result.stderr).toBe(0);
      expect(JSON.parse(result.stdout)).toMatchObject({ id, state: 'approved', requester: 'user:alice' });
      expect(result.stderr).toContain(`waiting for approval of ${id}: 0 of 1`);
      expect((await cli(['secrets', 'get', 'db-jit', '-n', 'team-a', '--reveal'], { env: aliceEnv })).code).toBe(0);
    });

    it('exits 7 when the request is denied', async () => {
      const waiting = request('db-other');
      const id = await pendingForBob();
      expect((await cli(['access', 'deny', id, '--reason', 'not now'], { env: bobEnv })).code).toBe(0);
      const result = await waiting;
      expect(result.code).toBe(7);
      expect(JSON.parse(result.stdout)).toMatchObject({ id, state: 'denied' });
      expect(result.stderr).toContain('ended denied: not now');
    });

    it('exits 7 when the wait times out', async () => {
      const result = await cli(
        [
          'access',
          'request',
          '--policy',
          'db-readers',
          '--role',
          'reader',
          '-n',
          'team-a',
          '--duration',
          '10m',
          '--reason',
          'later',
          '--wait',
          '--timeout',
          '1s',
        ],
        { env: aliceEnv },
      );
      expect(result.code).toBe(7);
      expect(result.stdout).toBe('');
      expect(result.stderr).toMatch(/still pending after 1 s/);
    });
  });

  it('logout removes the stored token, and then nothing is authenticated', async () => {
    const stored = join(scratch, 'config', 'brokerctl', 'credentials', 'default.json');
    const logout = await cli(['logout']);
    expect(logout.code).toBe(0);
    expect(existsSync(stored)).toBe(false);
    const whoami = await cli(['whoami']);
    expect(whoami.code).toBe(4);
    expect(whoami.stdout).toBe('');
  });
});
