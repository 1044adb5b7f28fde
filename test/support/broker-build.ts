import { mkdirSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { transformFile } from '@swc/core';

const ROOT = resolve(import.meta.dirname, '../..');
export const LOAD_GENERATOR = 'test/support/load-generator.ts';

/**
 * Compiles the broker for `node` (src and migrations, with SWC as the tests compile them, and
 * the load generator) into `out`: a child process runs the sources under test, never a possibly
 * stale `dist/`. Returns the path of main.js.
 */
export async function compileBrokerInto(out: string): Promise<string> {
  mkdirSync(out, { recursive: true });
  symlinkSync(join(ROOT, 'node_modules'), join(out, 'node_modules'));
  writeFileSync(join(out, 'package.json'), JSON.stringify({ type: 'module' }));
  const sources = [
    ...['src', 'migrations'].flatMap((folder) => typescriptFiles(join(ROOT, folder))),
    join(ROOT, LOAD_GENERATOR),
  ];
  await Promise.all(
    sources.map(async (source) => {
      const { code } = await transformFile(source, {
        jsc: {
          parser: { syntax: 'typescript', decorators: true },
          transform: { legacyDecorator: true, decoratorMetadata: true, useDefineForClassFields: false },
          target: 'es2022',
          keepClassNames: true,
        },
        module: { type: 'es6' },
        sourceMaps: false,
      });
      const target = join(out, relative(ROOT, source)).replace(/\.ts$/, '.js');
      mkdirSync(dirname(target), { recursive: true });
      writeFileSync(target, code);
    }),
  );
  return join(out, 'src/main.js');
}

function typescriptFiles(folder: string): string[] {
  return readdirSync(folder, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith('.ts') && !entry.name.endsWith('.spec.ts'))
    .map((entry) => join(entry.parentPath, entry.name));
}
