import { existsSync, readFileSync } from 'node:fs';

// The package's own package.json: next to src/ when run from source, three levels above
// dist/cli/src/ once built (in the repository and once installed).
const MANIFESTS = ['../package.json', '../../../package.json'].map((path) => new URL(path, import.meta.url));

function packageVersion(): string {
  for (const manifest of MANIFESTS) {
    if (!existsSync(manifest)) continue;
    const parsed: unknown = JSON.parse(readFileSync(manifest, 'utf8'));
    if (typeof parsed !== 'object' || parsed === null || !('name' in parsed) || parsed.name !== 'brokerctl') continue;
    if ('version' in parsed && typeof parsed.version === 'string') return parsed.version;
  }
  return '0.0.0';
}

export const VERSION = packageVersion();
