import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CommandUnknownOpts } from '@commander-js/extra-typings';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createNamespace } from '../../../test/factories/index.js';
import { startBroker, type TestBroker } from '../../../test/support/broker.js';
import { tokenFor } from '../../../test/support/tokens.js';
import { Cli } from '../src/cli.js';
import { commandTree } from '../src/commands/completion.js';
import { buildProgram } from '../src/program.js';
import { brokerctl, expectApiSchema, type CliResult } from './support.js';

/** brokerctl run in this process against a real broker: exit codes, output formats, errors and help. */
describe('brokerctl commands, in process', () => {
  let broker: TestBroker;
  let server: string;
  let home: string;
  beforeAll(async () => {
    broker = await startBroker();
    await broker.app.listen(0, '127.0.0.1');
    server = await broker.app.getUrl();
    home = mkdtempSync(join(tmpdir(), 'brokerctl-home-'));
  });
  afterAll(async () => {
    await broker?.close();
    if (home) rmSync(home, { recursive: true, force: true });
  });

  const as = (subject: string, args: readonly string[], stdin?: string) =>
    brokerctl(args, { env: { BROKER_ADDR: server, BROKER_TOKEN: tokenFor(subject), XDG_CONFIG_HOME: home }, stdin });
  const admin = (args: readonly string[], stdin?: string) => as('admin', args, stdin);

  /** A refusal: the exit code, nothing on stdout, the problem on stderr. */
  function expectRefusal(result: CliResult, code: number, status?: number): void {
    expect(result.code, result.stderr).toBe(code);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(/^brokerctl: /);
    if (status !== undefined) expect(result.stderr).toMatch(/\(request [\w-]+\)\n$/);
  }

  describe('exit codes', () => {
    it('401 → 4: a token the broker refuses', async () => {
      const result = await brokerctl(['whoami'], {
        env: { BROKER_ADDR: server, BROKER_TOKEN: 'not-a-jwt', XDG_CONFIG_HOME: home },
      });
      expectRefusal(result, 4, 401);
    });

    it('4 without any credential, naming the ways to give one', async () => {
      const result = await brokerctl(['whoami'], { env: { BROKER_ADDR: server, XDG_CONFIG_HOME: home } });
      expectRefusal(result, 4);
      expect(result.stderr).toContain('brokerctl login');
    });

    it('403 → 5: no grant', async () => {
      const namespace = await createNamespace(broker);
      expectRefusal(await as('stranger', ['secrets', 'get', 'db-main', '-n', namespace]), 5, 403);
    });

    it('404 → 3: no such secret', async () => {
      const namespace = await createNamespace(broker);
      expectRefusal(await admin(['secrets', 'get', 'db-missing', '-n', namespace]), 3, 404);
    });

    it('409 → 6: it exists already', async () => {
      const namespace = await createNamespace(broker);
      expect(
        (await admin(['secrets', 'create', 'db-main', '-n', namespace, '--generate', 'password=password'])).code,
      ).toBe(0);
      expectRefusal(
        await admin(['secrets', 'create', 'db-main', '-n', namespace, '--generate', 'password=password']),
        6,
        409,
      );
    });

    it('503 → 8: the cluster fails', async () => {
      const namespace = await createNamespace(broker);
      broker.emulator.faults.inject({
        method: 'POST',
        path: new RegExp(`/namespaces/${namespace}/secrets$`),
        status: 503,
        times: 5,
      });
      expectRefusal(
        await admin(['secrets', 'create', 'db-main', '-n', namespace, '--generate', 'password=password']),
        8,
        503,
      );
    });

    it('8 when the broker cannot be reached', async () => {
      const result = await brokerctl(['whoami'], {
        env: { BROKER_ADDR: 'http://127.0.0.1:9', BROKER_TOKEN: tokenFor('admin') },
      });
      expectRefusal(result, 8);
      expect(result.stderr).toContain('cannot reach the broker at http://127.0.0.1:9');
    });

    it('usage → 2: an unknown option, a missing argument, a bad value', async () => {
      expectRefusal(await admin(['secrets', 'list', '--frobnicate']), 2);
      expectRefusal(await admin(['secrets', 'get']), 2);
      expectRefusal(await admin(['secrets', 'rollback', 'db-main', '-n', 'x', '--to-version', 'two', '--yes']), 2);
      expectRefusal(await admin(['completion', 'powershell']), 2);
      const noSubcommand = await admin(['secrets']);
      expect(noSubcommand.code).toBe(2);
      expect(noSubcommand.stdout).toBe('');
      expect(noSubcommand.stderr).toMatch(/^Usage: brokerctl secrets /);
    });

    it('a destructive command needs --yes when not on a terminal, and changes nothing without it', async () => {
      const namespace = await createNamespace(broker);
      await admin(['secrets', 'create', 'db-main', '-n', namespace, '--generate', 'password=password']);
      const refused = await admin(['secrets', 'revoke', 'db-main', '-n', namespace, '--reason', 'test']);
      expectRefusal(refused, 2);
      expect(refused.stderr).toContain('--yes');
      expect(JSON.parse((await admin(['secrets', 'get', 'db-main', '-n', namespace, '-o', 'json'])).stdout).state).toBe(
        'active',
      );
    });
  });

  describe('JSON mode', () => {
    it('prints what the API answers, valid against its schemas', async () => {
      const namespace = await createNamespace(broker);
      const created = await admin(
        [
          'secrets',
          'create',
          'db-main',
          '-n',
          namespace,
          '--from-file',
          'password=-',
          '--label',
          'team=a',
          '-o',
          'json',
        ],
        'from stdin',
      );
      expect(created.code, created.stderr).toBe(0);
      expectApiSchema(JSON.parse(created.stdout), 'SecretWriteResultView');

      const checks: Array<[string[], string]> = [
        [['whoami'], 'WhoamiView'],
        [['secrets', 'list', '-n', namespace], 'SecretView[]'],
        [['secrets', 'get', 'db-main', '-n', namespace], 'SecretView'],
        [['secrets', 'get', 'db-main', '-n', namespace, '--reveal'], 'SecretValuesView'],
        [
          ['secrets', 'rotate', 'db-main', '-n', namespace, '--generate', 'password=password,length=24'],
          'SecretWriteResultView',
        ],
        [['secrets', 'versions', 'db-main', '-n', namespace], 'SecretVersionView[]'],
        [['secrets', 'rollback', 'db-main', '-n', namespace, '--to-version', '1', '--yes'], 'SecretWriteResultView'],
        [['secrets', 'consumers', 'db-main', '-n', namespace], 'SecretConsumerView[]'],
        [
          ['grants', 'create', '--subject', 'user:alice', '--role', 'reader', '-n', namespace, '--expires-in', '1h'],
          'GrantView',
        ],
        [['grants', 'list', '-n', namespace], 'GrantView[]'],
        [['roles', 'list'], 'RoleView[]'],
        [['can-i', 'read', `${namespace}/db-main`, '--as', 'user:alice'], 'AccessReviewView'],
        [['audit', 'query', '--namespace', namespace, '--limit', '5'], 'AuditEventView[]'],
        [['audit', 'verify'], 'AuditChainVerification'],
        [['leases', 'list'], 'LeaseView[]'],
        [['webhooks', 'list'], 'WebhookView[]'],
      ];
      for (const [args, schema] of checks) {
        const result = await admin([...args, '-o', 'json']);
        expect(result.code, `${args.join(' ')}: ${result.stderr}`).toBe(0);
        expect(result.stderr, args.join(' ')).toBe('');
        expectApiSchema(JSON.parse(result.stdout), schema);
      }
      const revealed = JSON.parse(
        (await admin(['secrets', 'get', 'db-main', '-n', namespace, '--reveal', '-o', 'json'])).stdout,
      );
      expect(revealed.values).toEqual([{ key: 'password', value: 'from stdin', encoding: 'utf8' }]);
    });

    it('prints one problem object on stderr, and nothing on stdout', async () => {
      const namespace = await createNamespace(broker);
      const result = await as('stranger', ['secrets', 'get', 'db-main', '-n', namespace, '-o', 'json']);
      expect(result.code).toBe(5);
      expect(result.stdout).toBe('');
      const problem = JSON.parse(result.stderr);
      expectApiSchema(problem, 'ProblemDocument');
      expect(problem).toMatchObject({ status: 403, title: 'Forbidden' });

      const usage = await admin(['secrets', 'list', '--frobnicate', '-o', 'json']);
      expect(usage.code).toBe(2);
      expect(usage.stdout).toBe('');
      expect(JSON.parse(usage.stderr)).toMatchObject({ type: 'urn:brokerctl:problem:usage', title: 'Usage error' });
    });

    it('yaml, name and plain outputs carry the same data', async () => {
      const namespace = await createNamespace(broker);
      await admin(['secrets', 'create', 'db-main', '-n', namespace, '--generate', 'password=password']);
      expect((await admin(['secrets', 'list', '-n', namespace, '-o', 'name'])).stdout).toBe(
        `secret/${namespace}/db-main\n`,
      );
      expect((await admin(['secrets', 'list', '-n', namespace, '-o', 'yaml'])).stdout).toContain(
        `namespace: ${namespace}\n`,
      );
      expect((await admin(['secrets', 'list', '-n', namespace])).stdout).toBe(
        `${namespace}\tdb-main\tactive\t1\tpassword\tno\t-\n`,
      );
      expect((await admin(['secrets', 'list', '-n', namespace, '-o', 'table'])).stdout).toMatch(
        /^NAMESPACE\s+NAME\s+STATE/,
      );
    });
  });

  it('exports values as dotenv lines a shell reads back, or as JSON', async () => {
    const namespace = await createNamespace(broker);
    const created = await admin(
      ['secrets', 'create', 'app-env', '-n', namespace, '--from-env-file', '-'],
      'PASSWORD="it\'s a secret"\nUSER=app\n',
    );
    expect(created.code, created.stderr).toBe(0);
    const dotenv = await admin(['export', '-n', namespace, '-s', 'app-env', '--prefix', 'APP_']);
    expect(dotenv).toEqual({ code: 0, stdout: `APP_PASSWORD="it's a secret"\nAPP_USER='app'\n`, stderr: '' });
    const sourced = execFileSync('bash', ['-c', `${dotenv.stdout}\necho "$APP_PASSWORD/$APP_USER"`], {
      encoding: 'utf8',
    });
    expect(sourced).toBe("it's a secret/app\n");
    const json = await admin(['export', '-n', namespace, '-s', 'app-env', '-o', 'json']);
    expect(JSON.parse(json.stdout)).toEqual({ PASSWORD: "it's a secret", USER: 'app' });
    expect((await admin(['export', '-n', namespace, '-s', 'app-env', '-o', 'yaml'])).code).toBe(2);
  });

  describe('the command definitions', () => {
    const tree = () =>
      buildProgram(
        new Cli({ stdout: { write: () => true }, stderr: { write: () => true }, stdin: process.stdin, env: {} }),
      );

    it('have a --help each, as in the snapshot', async () => {
      const paths = commandTree(tree()).map((node) => node.path);
      let help = '';
      for (const path of paths) {
        const result = await brokerctl([...path, '--help']);
        expect(result.code).toBe(0);
        expect(result.stderr).toBe('');
        help += `$ brokerctl ${[...path, '--help'].join(' ')}\n${result.stdout}\n`;
      }
      expect(paths.length).toBeGreaterThan(40);
      await expect(help).toMatchFileSnapshot('__snapshots__/help.txt');
    });

    it('take no secret value in any option or argument: values come from files or standard input', () => {
      const offenders: string[] = [];
      const valueWords = /secret|password|passwd|token|value|literal|credential|data|key/i;
      const visit = (command: CommandUnknownOpts, path: string[]) => {
        for (const option of command.options) {
          if (!option.required && !option.optional) continue;
          const placeholder = /<([^>]+)>|\[([^\]]+)\]/.exec(option.flags)?.slice(1).find(Boolean) ?? '';
          // A flag about values must take a path (or a name, selector, id): never the value itself.
          const takesPath =
            /(^|=)path$/.test(placeholder) || /^(name|key|id|key=env|key=type|key=value)$/.test(placeholder);
          if (valueWords.test(`${option.long ?? ''} ${placeholder}`) && !takesPath)
            offenders.push(`${path.join(' ')} ${option.flags}`);
          if (/--(from-literal|literal|value|password|data)\b/.test(option.flags))
            offenders.push(`${path.join(' ')} ${option.flags}`);
        }
        for (const argument of command.registeredArguments) {
          if (valueWords.test(argument.name()) && argument.name() !== 'key')
            offenders.push(`${path.join(' ')} <${argument.name()}>`);
        }
        for (const sub of command.commands) visit(sub, [...path, sub.name()]);
      };
      visit(tree(), ['brokerctl']);
      expect(offenders).toEqual([]);
    });

    it('generate a bash completion that bash -n accepts and that completes from the command tree', async () => {
      const script = await brokerctl(['completion', 'bash']);
      expect(script.code).toBe(0);
      expect(() => execFileSync('bash', ['-n'], { input: script.stdout })).not.toThrow();
      const complete = (words: string[]) =>
        execFileSync(
          'bash',
          [
            '-c',
            `${script.stdout}\nCOMP_WORDS=(${words.map((word) => `'${word}'`).join(' ')}); COMP_CWORD=${words.length - 1}; _brokerctl; echo "\${COMPREPLY[*]}"`,
          ],
          {
            encoding: 'utf8',
          },
        ).trim();
      expect(complete(['brokerctl', 'sec'])).toBe('secrets');
      expect(complete(['brokerctl', 'secrets', '']).split(' ')).toEqual(
        expect.arrayContaining(['list', 'get', 'rotate', 'rollback']),
      );
      expect(complete(['brokerctl', 'access', 'request', '--w']).split(' ')).toEqual(['--wait']);
      for (const shell of ['zsh', 'fish'] as const)
        expect((await brokerctl(['completion', shell])).stdout).toContain('brokerctl');
    });

    it('document the exit codes', async () => {
      const result = await brokerctl(['help', 'exit-codes']);
      expect(result.code).toBe(0);
      for (const code of [0, 1, 2, 3, 4, 5, 6, 7, 8]) expect(result.stdout).toMatch(new RegExp(`^  ${code}  `, 'm'));
    });
  });
});
