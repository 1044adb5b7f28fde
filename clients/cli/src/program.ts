import { Command, CommanderError, Option, type CommandUnknownOpts } from '@commander-js/extra-typings';
import { Cli } from './cli.js';
import { accessCommand } from './commands/access.js';
import { canICommand, grantsCommand, rolesCommand } from './commands/admin.js';
import { configCommand, loginCommand, logoutCommand, whoamiCommand } from './commands/auth.js';
import { completionCommand } from './commands/completion.js';
import { auditCommand, leasesCommand, webhooksCommand } from './commands/operations.js';
import { exportCommand, runCommand } from './commands/run.js';
import { secretsCommand } from './commands/secrets.js';
import { CliError, EXIT_CODES_HELP, ExitCode, usageError, type Problem } from './errors.js';
import type { CliIo } from './io.js';
import { Printer } from './output.js';
import { VERSION } from './version.js';

/** The whole command tree, writing through `io` and throwing instead of exiting. */
export function buildProgram(cli: Cli): CommandUnknownOpts {
  const program = new Command('brokerctl')
    .description('The command line of secrets-broker: secrets, grants, access requests and the audit trail')
    .version(VERSION, '-V, --version', 'print the version')
    .addOption(new Option('--server <url>', 'the broker (default: BROKER_ADDR, then the context’s server)'))
    .addOption(
      new Option('--context <name>', 'a context of the config file (default: BROKER_CONTEXT, then the current one)'),
    )
    .addOption(
      new Option(
        '--token-file <path>',
        'read the token from a file; - reads standard input (before BROKER_TOKEN, BROKER_TOKEN_FILE and login)',
      ),
    )
    .addOption(
      new Option(
        '-o, --output <format>',
        'table, json, yaml or name (default: a table on a terminal, tab-separated otherwise)',
      ),
    )
    .helpCommand(false)
    .addHelpText('after', '\nExit codes: brokerctl help exit-codes');

  const tree = () => program;
  for (const command of [
    whoamiCommand(cli),
    secretsCommand(cli),
    grantsCommand(cli),
    rolesCommand(cli),
    canICommand(cli),
    accessCommand(cli),
    auditCommand(cli),
    leasesCommand(cli),
    webhooksCommand(cli),
    runCommand(cli),
    exportCommand(cli),
    completionCommand(cli, tree),
    loginCommand(cli),
    logoutCommand(cli),
    configCommand(cli),
    helpCommand(cli, tree),
  ]) {
    program.addCommand(command);
  }
  configureTree(program, cli);
  // A bad -o is a usage error before anything is sent (export takes its own formats).
  program.hook('preAction', (_program, action) => {
    if (action.name() !== 'export') Printer.parseFormat(cli.globals(action).output);
  });
  return program;
}

function helpCommand(cli: Cli, root: () => CommandUnknownOpts): CommandUnknownOpts {
  return new Command('help')
    .description('help for a command, or a topic: brokerctl help exit-codes')
    .argument('[topic...]', 'a command (e.g. secrets list) or exit-codes')
    .action((topic) => {
      if (topic.join(' ') === 'exit-codes') return void cli.io.stdout.write(EXIT_CODES_HELP);
      let command = root();
      for (const name of topic) {
        const sub = command.commands.find((candidate) => candidate.name() === name);
        if (!sub) throw usageError(`no command or help topic ${topic.join(' ')}`);
        command = sub;
      }
      command.outputHelp();
    });
}

/** Every command writes through io, and throws CommanderError instead of calling process.exit. */
function configureTree(command: CommandUnknownOpts, cli: Cli): void {
  const { io } = cli;
  command
    .exitOverride()
    .helpCommand(false)
    .configureHelp({ showGlobalOptions: true })
    .showSuggestionAfterError()
    .configureOutput({
      writeOut: (text) => void io.stdout.write(text),
      writeErr: (text) => void io.stderr.write(text),
      getOutHelpWidth: () => io.stdout.columns ?? 100,
      getErrHelpWidth: () => 100,
      // In JSON mode the error is the problem object written by runCli.
      outputError: (text, write) => (cli.json ? undefined : write(`brokerctl: ${text.replace(/^error: /, '')}`)),
    });
  for (const sub of command.commands) configureTree(sub, cli);
}

/** `-o json` anywhere before `--`, read before parsing so parse errors come out as JSON too. */
function wantsJson(argv: readonly string[]): boolean {
  const end = argv.indexOf('--');
  const args = end === -1 ? argv : argv.slice(0, end);
  return args.some(
    (arg, index) =>
      arg === '-ojson' ||
      arg === '--output=json' ||
      ((arg === '-o' || arg === '--output') && args[index + 1] === 'json'),
  );
}

/** Runs brokerctl with `argv` (without node and the script) and returns the exit code. */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  const json = wantsJson(argv);
  const cli = new Cli(io, json);
  const program = buildProgram(cli);
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return cli.exitCode;
  } catch (error) {
    if (error instanceof CommanderError) return commanderExit(error, json, io);
    const failure =
      error instanceof CliError
        ? error
        : new CliError(ExitCode.error, error instanceof Error ? error.message : String(error));
    report(failure.problem, json, io);
    return failure.exitCode;
  }
}

function commanderExit(error: CommanderError, json: boolean, io: CliIo): number {
  if (error.code === 'commander.helpDisplayed' || error.code === 'commander.version') return ExitCode.ok;
  if (json) {
    report(
      { type: 'urn:brokerctl:problem:usage', title: 'Usage error', detail: error.message.replace(/^error: /, '') },
      true,
      io,
    );
  }
  return ExitCode.usage;
}

function report(problem: Problem, json: boolean, io: CliIo): void {
  if (json) return void io.stderr.write(`${JSON.stringify(problem)}\n`);
  const request = typeof problem.requestId === 'string' ? ` (request ${problem.requestId})` : '';
  const status = typeof problem.status === 'number' ? `${problem.title}: ` : '';
  io.stderr.write(`brokerctl: ${status}${problem.detail}${request}\n`);
}
