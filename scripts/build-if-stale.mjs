// Builds (tsc -p tsconfig.build.json, then the console with Vite) only when a source is newer than the last build, so
// `npm run dev` and `npm run emulator` start in about a second when nothing changed. `--force` (`npm run build`) builds
// whatever the stamp says, and stamps too, so the commands run after a build do not build again.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const STAMP = 'dist/.build-stamp';
const SOURCES = [
  'src',
  'migrations',
  'scripts',
  'console',
  'clients/typescript',
  'tsconfig.json',
  'tsconfig.build.json',
  'package.json',
  'package-lock.json',
];

function newestMtime(path) {
  if (!existsSync(path)) return 0;
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  return readdirSync(path).reduce((newest, entry) => Math.max(newest, newestMtime(join(path, entry))), stat.mtimeMs);
}

const built = existsSync(STAMP) ? statSync(STAMP).mtimeMs : 0;
if (process.argv.includes('--force') || SOURCES.some((source) => newestMtime(source) > built)) {
  process.stderr.write('building…\n');
  execFileSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.build.json'], {
    stdio: 'inherit',
  });
  execFileSync(process.execPath, ['node_modules/vite/bin/vite.js', 'build', '--config', 'console/vite.config.ts'], {
    stdio: 'inherit',
  });
  writeFileSync(STAMP, new Date().toISOString());
}
