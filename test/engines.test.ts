import fastifyStatic from '@fastify/static';
import { FileTypeValidator } from '@nestjs/common';
import fastify from 'fastify';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import semver from 'semver';
import { describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '..');

interface LockedPackage {
  readonly version?: string;
  readonly engines?: { readonly node?: string } | readonly string[];
}

const manifest = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { engines: { node: string } };
const lock = JSON.parse(readFileSync(join(ROOT, 'package-lock.json'), 'utf8')) as {
  packages: Record<string, LockedPackage>;
};

/** Every locked package whose `engines.node` the given Node version does not satisfy: what `npm ci` warns of as EBADENGINE. */
function unsupportedOn(nodeVersion: string): string[] {
  return Object.entries(lock.packages)
    .filter(([path]) => path !== '')
    .flatMap(([path, locked]) => {
      const range = Array.isArray(locked.engines) ? undefined : (locked.engines as { node?: string })?.node;
      if (range === undefined || semver.satisfies(nodeVersion, range, { includePrerelease: true })) return [];
      const name = path.slice(path.lastIndexOf('node_modules/') + 'node_modules/'.length);
      return [`${name}@${locked.version ?? '?'} needs node ${range} (${path})`];
    });
}

describe('dependencies run on the Node the project supports (no EBADENGINE from npm ci)', () => {
  it('every locked package supports the oldest Node in package.json engines', () => {
    const oldest = semver.minVersion(manifest.engines.node)?.version;
    expect(oldest).toBeDefined();
    expect(unsupportedOn(oldest as string)).toEqual([]);
  });

  it('every locked package supports the Node running the tests', () => {
    expect(unsupportedOn(process.version)).toEqual([]);
  });
});

/*
 * Three dependents run with an older release of their dependency than they ask for (package.json
 * `overrides`), chosen because the newer one needs Node 22. Each is exercised where it uses it.
 */
describe('overridden dependencies work in their dependents', () => {
  it('@nestjs/common detects a file type with file-type 21', async () => {
    const validator = new FileTypeValidator({ fileType: 'image/png' });
    const png = Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex');
    await expect(validator.isValid({ mimetype: 'text/plain', buffer: png } as never)).resolves.toBe(true);
    const text = Buffer.from('plain text, no magic number');
    await expect(validator.isValid({ mimetype: 'image/png', buffer: text } as never)).resolves.toBe(false);
  });

  it('light-my-request (Fastify inject) sends cookies with cookie 1.x', async () => {
    const app = fastify();
    app.get('/', (request) => request.headers.cookie ?? '');
    const answer = await app.inject({ method: 'GET', url: '/', cookies: { session: 'a b', theme: 'dark' } });
    expect(answer.body).toBe('session=a%20b; theme=dark');
    await app.close();
  });

  it('@fastify/static names a download with content-disposition 2.x', async () => {
    const app = fastify();
    await app.register(fastifyStatic, { root: ROOT, serve: false });
    app.get('/', (_request, reply) => reply.download('package.json', 'naïve file.json'));
    const answer = await app.inject({ method: 'GET', url: '/' });
    expect(answer.headers['content-disposition']).toBe(
      `attachment; filename="na?ve file.json"; filename*=UTF-8''na%C3%AFve%20file.json`,
    );
    await app.close();
  });
});
