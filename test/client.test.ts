import { execFileSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { assertionsIn } from './support/type-assertions.js';

const CLIENT_DIRECTORY = 'clients/typescript';
// The client against a live broker, in the e2e lane (it runs on each database).
const LIVE_TEST = 'test/e2e/client.e2e.test.ts';

describe('the generated TypeScript client', () => {
  it('compiles with tsc --strict', () => {
    const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
    const project = join(CLIENT_DIRECTORY, 'tsconfig.json');
    expect(() =>
      execFileSync(process.execPath, [tsc, '-p', project, '--strict', '--noEmit'], { stdio: 'pipe' }),
    ).not.toThrow();
  }, 120_000);

  it('needs no type assertions, in the client or in this test', () => {
    const sources = readdirSync(CLIENT_DIRECTORY)
      .filter((file) => file.endsWith('.ts') && !file.endsWith('.d.ts'))
      .map((file) => join(CLIENT_DIRECTORY, file));
    expect(sources).toEqual(expect.arrayContaining([join(CLIENT_DIRECTORY, 'example.ts')]));
    for (const file of [...sources, 'test/client.test.ts', LIVE_TEST, 'test/e2e/client-defaults.e2e.test.ts'])
      expect(assertionsIn(file), file).toEqual([]);
  });
});
