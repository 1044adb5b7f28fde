import { readFileSync } from 'node:fs';
import { parseEnv } from 'node:util';
import { usageError } from './errors.js';
import { readAll, type CliIo } from './io.js';

/** Collects a repeatable option. */
export function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

/** Splits `left=right` at the first `=`; both sides required. */
export function pair(text: string, option: string, shape: string): [string, string] {
  const separator = text.indexOf('=');
  if (separator <= 0 || separator === text.length - 1) throw usageError(`${option} takes ${shape}, not ${text}`);
  return [text.slice(0, separator), text.slice(separator + 1)];
}

export interface SecretData {
  readonly data: Record<string, string>;
  readonly dataEncoding?: 'base64';
}

/**
 * Values from files, an env file or standard input; never from the command line (process lists
 * and shell history keep arguments). Values that are not UTF-8 text are all sent as base64.
 */
export async function readSecretData(
  io: CliIo,
  fromFiles: readonly string[],
  envFile: string | undefined,
): Promise<SecretData | undefined> {
  const raw = new Map<string, Buffer>();
  let stdinUsed = false;
  const read = async (path: string): Promise<Buffer> => {
    if (path !== '-') {
      try {
        return readFileSync(path);
      } catch (error) {
        throw usageError(`cannot read ${path}: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
    if (stdinUsed) throw usageError('standard input (-) can be read only once');
    stdinUsed = true;
    return Buffer.from(await readAll(io.stdin), 'utf8');
  };
  if (envFile !== undefined) {
    for (const [key, value] of Object.entries(parseEnv((await read(envFile)).toString('utf8')))) {
      raw.set(key, Buffer.from(value ?? '', 'utf8'));
    }
  }
  for (const entry of fromFiles) {
    const [key, path] = pair(entry, '--from-file', 'KEY=PATH');
    if (raw.has(key)) throw usageError(`key ${key} is given twice`);
    raw.set(key, await read(path));
  }
  if (raw.size === 0) return undefined;
  const binary = [...raw.values()].some((value) => !isUtf8(value));
  const data = Object.fromEntries([...raw].map(([key, value]) => [key, value.toString(binary ? 'base64' : 'utf8')]));
  return binary ? { data, dataEncoding: 'base64' } : { data };
}

function isUtf8(value: Buffer): boolean {
  return Buffer.from(value.toString('utf8'), 'utf8').equals(value);
}

/** `--generate KEY=TYPE[,param=value…]`, e.g. `password=password,length=32`. */
export function parseGenerators(
  entries: readonly string[],
): Record<string, { type: string; [param: string]: unknown }> | undefined {
  if (entries.length === 0) return undefined;
  const generators: Record<string, { type: string; [param: string]: unknown }> = {};
  for (const entry of entries) {
    const [key, spec] = pair(entry, '--generate', 'KEY=TYPE[,param=value…]');
    const [type, ...params] = spec.split(',');
    const generator: { type: string; [param: string]: unknown } = { type };
    for (const param of params) {
      const [name, value] = pair(param, '--generate', 'param=value after the type');
      generator[name] = /^\d+$/.test(value) ? Number(value) : value;
    }
    generators[key] = generator;
  }
  return generators;
}

/** `--label key=value`. */
export function parseLabels(entries: readonly string[]): Record<string, string> | undefined {
  if (entries.length === 0) return undefined;
  return Object.fromEntries(entries.map((entry) => pair(entry, '--label', 'KEY=VALUE')));
}

/** A whole number from an option. */
export function integer(value: string): number {
  if (!/^\d+$/.test(value)) throw usageError(`not a whole number: ${value}`);
  return Number(value);
}

/** `90s`, `15m`, `8h`, `2d` or plain seconds, in seconds. */
export function duration(value: string): number {
  const match = /^(\d+)([smhd]?)$/.exec(value);
  if (!match) throw usageError(`not a duration: ${value} (use e.g. 90s, 15m, 8h, 2d)`);
  const unit = { '': 1, s: 1, m: 60, h: 3600, d: 86_400 }[match[2] as '' | 's' | 'm' | 'h' | 'd'];
  return Number(match[1]) * unit;
}
