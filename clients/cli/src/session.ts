import { readFileSync } from 'node:fs';
import { ConfigStore, configDirectory, DEFAULT_CONTEXT, type Context } from './config.js';
import { CliError, ExitCode, usageError } from './errors.js';
import { readAll, type CliIo } from './io.js';

/** The options every command takes (see program.ts). */
export interface GlobalOptions {
  readonly server?: string;
  readonly context?: string;
  readonly tokenFile?: string;
  readonly output?: string;
}

/** Where the token came from, highest first in the order brokerctl looks. */
export type CredentialSource =
  | { readonly kind: '--token-file'; readonly path: string }
  | { readonly kind: 'BROKER_TOKEN' }
  | { readonly kind: 'BROKER_TOKEN_FILE'; readonly path: string }
  | { readonly kind: 'login'; readonly context: string; readonly path: string };

export interface Credential {
  readonly token: string;
  readonly source: CredentialSource;
}

export function describeSource(source: CredentialSource): string {
  switch (source.kind) {
    case '--token-file':
      return source.path === '-' ? '--token-file - (standard input)' : `--token-file ${source.path}`;
    case 'BROKER_TOKEN':
      return 'the BROKER_TOKEN environment variable';
    case 'BROKER_TOKEN_FILE':
      return `BROKER_TOKEN_FILE (${source.path})`;
    case 'login':
      return `brokerctl login (context ${source.context}, ${source.path})`;
  }
}

/** Server, context and credential for one run, from the options, the environment and the config file. */
export class Workspace {
  readonly store: ConfigStore;
  private stdinToken: Promise<string> | undefined;

  constructor(
    readonly io: CliIo,
    readonly globals: GlobalOptions,
  ) {
    this.store = new ConfigStore(configDirectory(io.env));
  }

  get contextName(): string {
    return this.globals.context ?? this.io.env.BROKER_CONTEXT ?? this.store.load().currentContext ?? DEFAULT_CONTEXT;
  }

  get context(): Context {
    const name = this.contextName;
    const context = this.store.load().contexts[name];
    if (!context && (this.globals.context !== undefined || this.io.env.BROKER_CONTEXT !== undefined)) {
      throw usageError(`no context named ${name} in ${this.store.configPath}`);
    }
    return context ?? {};
  }

  /** `--server`, then BROKER_ADDR, then the context's server. */
  get server(): string {
    const server = this.globals.server ?? this.io.env.BROKER_ADDR ?? this.context.server;
    if (!server) {
      throw usageError('no broker address: pass --server, set BROKER_ADDR, or configure a context (brokerctl config)');
    }
    if (!/^https?:\/\//.test(server)) throw usageError(`the broker address must be an http(s) URL: ${server}`);
    return server.replace(/\/+$/, '');
  }

  /** The first credential found: --token-file, BROKER_TOKEN, BROKER_TOKEN_FILE, then what login stored. */
  async credential(): Promise<Credential> {
    const { tokenFile } = this.globals;
    if (tokenFile !== undefined)
      return { token: await this.tokenFrom(tokenFile), source: { kind: '--token-file', path: tokenFile } };
    const { BROKER_TOKEN: envToken, BROKER_TOKEN_FILE: envFile } = this.io.env;
    if (envToken) return { token: envToken.trim(), source: { kind: 'BROKER_TOKEN' } };
    if (envFile) return { token: await this.tokenFrom(envFile), source: { kind: 'BROKER_TOKEN_FILE', path: envFile } };
    const context = this.contextName;
    const stored = this.store.readCredential(context);
    if (!stored) {
      throw new CliError(
        ExitCode.unauthenticated,
        'not logged in: run brokerctl login, or set BROKER_TOKEN or BROKER_TOKEN_FILE',
      );
    }
    if (stored.expiresAt !== undefined && stored.expiresAt <= Date.now()) {
      throw new CliError(
        ExitCode.unauthenticated,
        `the login of context ${context} expired at ${new Date(stored.expiresAt).toISOString()}: run brokerctl login`,
      );
    }
    return { token: stored.accessToken, source: { kind: 'login', context, path: this.store.credentialPath(context) } };
  }

  /** Reads a token from a file, or from standard input for `-` (read once per run). */
  async tokenFrom(path: string): Promise<string> {
    let text: string;
    if (path === '-') {
      this.stdinToken ??= readAll(this.io.stdin);
      text = await this.stdinToken;
    } else {
      try {
        text = readFileSync(path, 'utf8');
      } catch (error) {
        throw usageError(
          `cannot read the token file ${path}: ${error instanceof Error ? error.message : String(error)}`,
        );
      }
    }
    const token = text.trim();
    if (!token) throw usageError(`the token from ${path === '-' ? 'standard input' : path} is empty`);
    return token;
  }
}
