import { createInterface } from 'node:readline/promises';
import type { CommandUnknownOpts } from '@commander-js/extra-typings';
import { brokerClient, call, callWithoutBody, type BrokerClient } from './client.js';
import { CliError, usageError } from './errors.js';
import type { CliIo } from './io.js';
import { Printer } from './output.js';
import { Workspace, type Credential, type GlobalOptions } from './session.js';

/** A connected client, the server it talks to and where its credential came from. */
export interface Connection {
  readonly client: BrokerClient;
  readonly server: string;
  readonly credential: Credential;
  call<Data>(request: Promise<{ data?: Data; error?: unknown; response: Response }>): Promise<Data>;
  callWithoutBody(request: Promise<{ error?: unknown; response: Response }>): Promise<void>;
}

/** What every command's action gets: the run's I/O, settings, output and connection. */
export class Cli {
  /** Set by commands whose exit code is not 0 without an error (run, can-i, audit verify). */
  exitCode = 0;

  /**
   * @param json `-o json` was asked for: errors are then one problem object on stderr.
   */
  constructor(
    readonly io: CliIo,
    readonly json = false,
  ) {}

  globals(command: CommandUnknownOpts): GlobalOptions {
    const all: Record<string, unknown> = command.optsWithGlobals();
    const text = (name: string) => (typeof all[name] === 'string' ? all[name] : undefined);
    return { server: text('server'), context: text('context'), tokenFile: text('tokenFile'), output: text('output') };
  }

  workspace(command: CommandUnknownOpts): Workspace {
    return new Workspace(this.io, this.globals(command));
  }

  printer(command: CommandUnknownOpts): Printer {
    return new Printer(this.io, Printer.parseFormat(this.globals(command).output));
  }

  async connect(command: CommandUnknownOpts): Promise<Connection> {
    const workspace = this.workspace(command);
    const server = workspace.server;
    const credential = await workspace.credential();
    return {
      client: brokerClient(server, credential.token),
      server,
      credential,
      call: (request) => call(request, server),
      callWithoutBody: (request) => callWithoutBody(request, server),
    };
  }

  /** The namespace from -n, else the context's default. */
  namespace(command: CommandUnknownOpts, given: string | undefined): string {
    const namespace = given ?? this.workspace(command).context.namespace;
    if (!namespace) throw usageError('no namespace: pass -n NAMESPACE or set one in the context (brokerctl config)');
    return namespace;
  }

  /** A message for the person at the terminal: stderr, never stdout. */
  note(message: string): void {
    this.io.stderr.write(`${message}\n`);
  }

  /** Destructive commands ask on a terminal and need --yes otherwise. */
  async confirm(question: string, yes: boolean | undefined): Promise<void> {
    if (yes) return;
    if (!this.io.stdin.isTTY || !this.io.stderr.isTTY) {
      throw usageError(`${question.replace(/\?$/, '')}: not on a terminal, so confirm with --yes`);
    }
    const prompt = createInterface({ input: this.io.stdin, output: process.stderr });
    try {
      const answer = await prompt.question(`${question} [y/N] `);
      if (!/^y(es)?$/i.test(answer.trim())) throw new CliError(1, 'cancelled');
    } finally {
      prompt.close();
    }
  }
}
