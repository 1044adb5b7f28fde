import { chmodSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { usageError } from './errors.js';

/** A named place to work: which broker, which OpenID issuer signs its people in, the default namespace. */
export interface Context {
  server?: string;
  issuer?: string;
  clientId?: string;
  scope?: string;
  namespace?: string;
}

/** `config.yaml` in the config directory. */
export interface ConfigFile {
  currentContext?: string;
  contexts: Record<string, Context>;
}

/** What `brokerctl login` stored for a context (in a 0600 file). */
export interface StoredCredential {
  readonly accessToken: string;
  /** Epoch milliseconds; absent when the token said nothing. */
  readonly expiresAt?: number;
  readonly issuer?: string;
  readonly server: string;
}

export const DEFAULT_CONTEXT = 'default';
const CONTEXT_FIELDS = ['server', 'issuer', 'clientId', 'scope', 'namespace'] as const;

/** `$XDG_CONFIG_HOME/brokerctl`, `%APPDATA%\brokerctl` on Windows, else `~/.config/brokerctl`. */
export function configDirectory(env: NodeJS.ProcessEnv): string {
  if (env.XDG_CONFIG_HOME) return join(env.XDG_CONFIG_HOME, 'brokerctl');
  if (process.platform === 'win32' && env.APPDATA) return join(env.APPDATA, 'brokerctl');
  return join(env.HOME ?? homedir(), '.config', 'brokerctl');
}

export class ConfigStore {
  constructor(readonly directory: string) {}

  get configPath(): string {
    return join(this.directory, 'config.yaml');
  }

  credentialPath(context: string): string {
    return join(this.directory, 'credentials', `${context}.json`);
  }

  load(): ConfigFile {
    if (!existsSync(this.configPath)) return { contexts: {} };
    const parsed: unknown = parse(readFileSync(this.configPath, 'utf8'));
    if (!isRecord(parsed)) return { contexts: {} };
    const contexts: Record<string, Context> = {};
    if (isRecord(parsed.contexts)) {
      for (const [name, value] of Object.entries(parsed.contexts)) contexts[name] = contextFrom(value);
    }
    return {
      ...(typeof parsed.currentContext === 'string' ? { currentContext: parsed.currentContext } : {}),
      contexts,
    };
  }

  save(config: ConfigFile): void {
    mkdirSync(this.directory, { recursive: true, mode: 0o700 });
    writeFileSync(this.configPath, stringify(config), { mode: 0o600 });
  }

  readCredential(context: string): StoredCredential | undefined {
    const path = this.credentialPath(context);
    if (!existsSync(path)) return undefined;
    const parsed: unknown = JSON.parse(readFileSync(path, 'utf8'));
    if (!isRecord(parsed) || typeof parsed.accessToken !== 'string' || typeof parsed.server !== 'string') {
      throw usageError(`${path} is not a credential brokerctl stored; remove it with brokerctl logout`);
    }
    return {
      accessToken: parsed.accessToken,
      server: parsed.server,
      ...(typeof parsed.expiresAt === 'number' ? { expiresAt: parsed.expiresAt } : {}),
      ...(typeof parsed.issuer === 'string' ? { issuer: parsed.issuer } : {}),
    };
  }

  /** Written 0600 inside a 0700 directory: the token is a credential. */
  writeCredential(context: string, credential: StoredCredential): string {
    const path = this.credentialPath(context);
    mkdirSync(join(this.directory, 'credentials'), { recursive: true, mode: 0o700 });
    rmSync(path, { force: true });
    writeFileSync(path, `${JSON.stringify(credential)}\n`, { mode: 0o600 });
    chmodSync(path, 0o600);
    return path;
  }

  /** Whether there was one to remove. */
  removeCredential(context: string): boolean {
    const path = this.credentialPath(context);
    if (!existsSync(path)) return false;
    rmSync(path);
    return true;
  }
}

function contextFrom(value: unknown): Context {
  const context: Context = {};
  if (!isRecord(value)) return context;
  for (const field of CONTEXT_FIELDS) {
    const setting = value[field];
    if (typeof setting === 'string') context[field] = setting;
  }
  return context;
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
