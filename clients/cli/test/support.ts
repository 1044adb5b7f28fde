import { execFileSync, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import type { OpenAPIV3 } from 'openapi-types';
import { expect } from 'vitest';
import { parse } from 'yaml';
import { runCli } from '../src/program.js';

export const ROOT = join(import.meta.dirname, '..', '..', '..');
export const CLI_PACKAGE = join(ROOT, 'clients', 'cli');
/** The built entry point, as `npm install -g` links it. */
export const BUILT_CLI = join(CLI_PACKAGE, 'dist', 'cli', 'src', 'main.js');

export interface CliResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

export interface RunOptions {
  readonly env?: NodeJS.ProcessEnv;
  readonly stdin?: string;
}

/** brokerctl in this process: commander's exitOverride and configureOutput write into buffers. */
export async function brokerctl(args: readonly string[], options: RunOptions = {}): Promise<CliResult> {
  let stdout = '';
  let stderr = '';
  const code = await runCli(args, {
    stdout: { write: (text: string) => (stdout += text), isTTY: false },
    stderr: { write: (text: string) => (stderr += text), isTTY: false },
    stdin: Readable.from(options.stdin === undefined ? [] : [options.stdin]),
    env: { PATH: process.env.PATH, ...options.env },
  });
  return { code, stdout, stderr };
}

/** Compiles the package with its own tsconfig, as `npm pack` does (prepack), once per test file. */
export function buildCli(): void {
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  execFileSync(process.execPath, [tsc, '-p', join(CLI_PACKAGE, 'tsconfig.build.json')], { stdio: 'inherit' });
}

/** The built binary in a child process; never rejects, the exit code is in the result. */
export async function builtCli(
  args: readonly string[],
  options: RunOptions & { readonly bin?: string } = {},
): Promise<CliResult> {
  const child = spawn(options.bin ?? process.execPath, options.bin ? [...args] : [BUILT_CLI, ...args], {
    env: { PATH: process.env.PATH, HOME: process.env.HOME, ...options.env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  child.stdin.end(options.stdin ?? '');
  const code = await new Promise<number>((resolve) =>
    child.once('close', (exit, signal) => resolve(exit ?? (signal ? -1 : 1))),
  );
  return { code, stdout, stderr };
}

const document = parse(readFileSync(join(ROOT, 'openapi', 'openapi.yaml'), 'utf8')) as OpenAPIV3.Document;
const { default: OpenAPIResponseValidator } = createRequire(import.meta.url)(
  'openapi-response-validator',
) as typeof import('openapi-response-validator');

/** Checks `body` against a schema of the API's OpenAPI document (`SecretView`, or `SecretView[]`). */
export function expectApiSchema(body: unknown, schema: string): void {
  const name = schema.replace(/\[\]$/, '');
  const reference: OpenAPIV3.SchemaObject | OpenAPIV3.ReferenceObject = { $ref: `#/components/schemas/${name}` };
  const responses: Record<string, OpenAPIV3.ResponseObject> = {
    200: {
      description: schema,
      content: {
        'application/json': { schema: schema.endsWith('[]') ? { type: 'array', items: reference } : reference },
      },
    },
  };
  // The validator's types describe OpenAPI 2 responses; it reads OpenAPI 3 ones (content) as well.
  const validator = new OpenAPIResponseValidator({ responses: responses as never, components: document.components });
  expect(validator.validateResponse('200', body), schema).toBeUndefined();
}
