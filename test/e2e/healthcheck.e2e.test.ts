import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generate } from 'selfsigned';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestBroker } from '../support/broker.js';
import { buildIfStale } from '../support/dev-broker.js';
import { withBroker } from '../support/use-broker.js';

const ROOT = join(import.meta.dirname, '..', '..');

/** The Dockerfile's HEALTHCHECK command, run as the image runs it, with the container's environment. */
function healthcheck(env: Record<string, string>): Promise<number | null> {
  return new Promise((done) => {
    const child = execFile(process.execPath, ['dist/src/cli/healthcheck.js'], {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '', ...env },
    });
    child.once('exit', (code) => done(code));
  });
}

async function listening(broker: TestBroker): Promise<string> {
  await broker.app.listen(0, '127.0.0.1');
  return String((broker.app.getHttpServer().address() as AddressInfo).port);
}

describe('the image HEALTHCHECK', () => {
  let directory: string;
  beforeAll(() => {
    buildIfStale();
    directory = mkdtempSync(join(tmpdir(), 'healthcheck-'));
  }, 300_000);
  afterAll(() => rmSync(directory, { recursive: true, force: true }));

  it('is the command the Dockerfile runs', () => {
    expect(readFileSync(join(ROOT, 'Dockerfile'), 'utf8')).toContain('CMD ["node", "dist/src/cli/healthcheck.js"]');
  });

  it('passes over plain HTTP, and fails once nothing answers', async () => {
    let port = '';
    await withBroker({}, async (broker) => {
      port = await listening(broker);
      expect(await healthcheck({ PORT: port })).toBe(0);
    });
    expect(await healthcheck({ PORT: port })).toBe(1);
  });

  it('passes over HTTPS when TLS is on, where a plain HTTP probe fails', async () => {
    const pems = await generate([{ name: 'commonName', value: 'broker.example' }], {
      keyType: 'ec',
      curve: 'P-256',
      algorithm: 'sha256',
    });
    const certFile = join(directory, 'tls.crt');
    const keyFile = join(directory, 'tls.key');
    writeFileSync(certFile, pems.cert);
    writeFileSync(keyFile, pems.private);
    await withBroker({ TLS_CERT_FILE: certFile, TLS_KEY_FILE: keyFile }, async (broker) => {
      const port = await listening(broker);
      expect(await healthcheck({ PORT: port, TLS_CERT_FILE: certFile })).toBe(0);
      expect(await healthcheck({ PORT: port })).toBe(1);
    });
  });
});
