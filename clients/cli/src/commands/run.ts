import { spawn } from 'node:child_process';
import { constants } from 'node:os';
import { Command, type CommandUnknownOpts } from '@commander-js/extra-typings';
import type { Cli } from '../cli.js';
import { usageError } from '../errors.js';
import { clashes, dotenv, environmentFor, type FetchedValue } from '../environment.js';
import { collect } from '../values.js';

const FORWARDED_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

interface SourceOptions {
  readonly namespace?: string;
  readonly secret: string[];
  readonly reason?: string;
}

/** Requests every key of each --secret (NAME or NAMESPACE/NAME), once each. */
async function fetchValues(cli: Cli, command: CommandUnknownOpts, options: SourceOptions): Promise<FetchedValue[]> {
  if (options.secret.length === 0) throw usageError('name the secrets with -s NAME (repeatable)');
  const connection = await cli.connect(command);
  const values: FetchedValue[] = [];
  for (const reference of options.secret) {
    const [namespace, name] = reference.includes('/')
      ? reference.split('/', 2)
      : [cli.namespace(command, options.namespace), reference];
    const answer = await connection.call(
      connection.client.POST('/v1/namespaces/{namespace}/secrets/{name}/request', {
        params: { path: { namespace, name } },
        body: { reason: options.reason },
      }),
    );
    for (const { key, value, encoding } of answer.values) {
      if (encoding === 'base64') cli.note(`${name}/${key} is not UTF-8 text: it is given base64-encoded`);
      values.push({ secret: name, key, value });
    }
  }
  return values;
}

function sourceOptions<Args extends unknown[]>(command: Command<Args>) {
  return command
    .option('-n, --namespace <namespace>', 'the namespace of the secrets (default: the context’s)')
    .option('-s, --secret <name>', 'a secret whose keys to use: NAME or NAMESPACE/NAME (repeatable)', collect, [])
    .option('--map <key=env>', 'name a key’s variable: KEY=ENV or SECRET/KEY=ENV (repeatable)', collect, [])
    .option('--prefix <prefix>', 'put this before every variable name')
    .option('--reason <text>', 'why, recorded in the audit trail');
}

export function runCommand(cli: Cli): CommandUnknownOpts {
  return sourceOptions(
    new Command('run')
      .description('run a command with secret values as environment variables; nothing is printed')
      .usage('[options] -- <command> [args...]')
      .argument('<command...>', 'the command and its arguments (after --)'),
  )
    .option('--override', 'replace variables already set in the environment (default: refuse)')
    .option('--shell', 'run the command through the shell (default: no shell)')
    .addHelpText(
      'after',
      '\nSIGINT, SIGTERM and SIGHUP are passed to the command; brokerctl exits with its exit code, or 128 + N when it died of signal N.',
    )
    .action(async (argv, options, command) => {
      const environment = environmentFor(await fetchValues(cli, command, options), options);
      const clashing = clashes(environment, cli.io.env);
      if (clashing.length && !options.override) {
        throw usageError(`already set in the environment: ${clashing.join(', ')} (replace them with --override)`);
      }
      cli.exitCode = await runChild(
        argv,
        options.shell === true,
        { ...cli.io.env, ...Object.fromEntries(environment) },
        cli,
      );
    });
}

/** Runs the child with the terminal's stdio, forwarding signals; resolves with its exit code (128 + N on signal N). */
function runChild(argv: string[], shell: boolean, env: NodeJS.ProcessEnv, cli: Cli): Promise<number> {
  return new Promise((resolve) => {
    const child = shell
      ? spawn(argv.join(' '), { shell: true, stdio: 'inherit', env })
      : spawn(argv[0], argv.slice(1), { stdio: 'inherit', env });
    const forward = (signal: NodeJS.Signals) => child.kill(signal);
    for (const signal of FORWARDED_SIGNALS) process.on(signal, forward);
    const finish = (code: number) => {
      for (const signal of FORWARDED_SIGNALS) process.off(signal, forward);
      resolve(code);
    };
    child.once('error', (error: NodeJS.ErrnoException) => {
      cli.note(`brokerctl: cannot run ${argv[0]}: ${error.message}`);
      finish(error.code === 'ENOENT' ? 127 : 126);
    });
    child.once('exit', (code, signal) => finish(signal ? 128 + constants.signals[signal] : (code ?? 1)));
  });
}

export function exportCommand(cli: Cli): CommandUnknownOpts {
  return sourceOptions(
    new Command('export').description(
      "print secret values for files and tools that need them: -o dotenv (KEY='value' lines, the default) or -o json",
    ),
  ).action(async (options, command) => {
    const format = cli.globals(command).output ?? 'dotenv';
    if (format !== 'dotenv' && format !== 'json') throw usageError(`export prints -o dotenv or -o json, not ${format}`);
    const environment = environmentFor(await fetchValues(cli, command, options), options);
    cli.io.stdout.write(
      format === 'json' ? `${JSON.stringify(Object.fromEntries(environment), null, 2)}\n` : dotenv(environment),
    );
  });
}
