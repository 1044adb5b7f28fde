import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

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
    for (const file of [...sources, 'test/client.test.ts', LIVE_TEST]) expect(assertionsIn(file), file).toEqual([]);
  });
});

/** Every `x as T`, `<T>x` and `x!` in a TypeScript file, by line. */
function assertionsIn(file: string): string[] {
  const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true);
  const found: string[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isAsExpression(node) || ts.isTypeAssertionExpression(node) || ts.isNonNullExpression(node)) {
      found.push(`${source.getLineAndCharacterOfPosition(node.getStart()).line + 1}: ${node.getText()}`);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}
