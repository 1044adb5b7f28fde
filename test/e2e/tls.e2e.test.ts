import { X509Certificate } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from 'node:tls';
import { generate } from 'selfsigned';
import { afterAll, describe, expect, it } from 'vitest';
import { withBroker } from '../support/use-broker.js';

interface Pair {
  cert: string;
  key: string;
}

async function certificate(commonName: string): Promise<Pair> {
  const pems = await generate([{ name: 'commonName', value: commonName }], {
    keyType: 'ec',
    curve: 'P-256',
    algorithm: 'sha256',
    extensions: [{ name: 'subjectAltName', altNames: [{ type: 2, value: 'localhost' }] }],
  });
  return { cert: pems.cert, key: pems.private };
}

/** The certificate a new TLS connection is served. */
function servedFingerprint(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port, servername: 'localhost', rejectUnauthorized: false }, () => {
      resolve(socket.getPeerX509Certificate()?.fingerprint256 ?? '');
      socket.end();
    });
    socket.on('error', reject);
  });
}

/** GET over HTTPS, trusting only `ca`. */
function getTrusting(port: number, ca: string, path: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, ca, servername: 'localhost', agent: false }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', reject);
    req.end();
  });
}

describe('TLS', () => {
  const directory = mkdtempSync(join(tmpdir(), 'broker-tls-'));
  const certFile = join(directory, 'tls.crt');
  const keyFile = join(directory, 'tls.key');
  afterAll(() => rmSync(directory, { recursive: true, force: true }));

  it('serves HTTPS and picks up a replaced certificate for new connections', async () => {
    const [first, second] = await Promise.all([certificate('broker-first'), certificate('broker-second')]);
    writeFileSync(certFile, first.cert);
    writeFileSync(keyFile, first.key);
    await withBroker({ TLS_CERT_FILE: certFile, TLS_KEY_FILE: keyFile, TLS_RELOAD_SECONDS: '0.2' }, async (broker) => {
      await broker.app.listen(0, '127.0.0.1');
      const { port } = (broker.app.getHttpServer() as { address(): AddressInfo }).address();
      expect(await getTrusting(port, first.cert, '/healthz')).toBe(200);
      expect(await servedFingerprint(port)).toBe(new X509Certificate(first.cert).fingerprint256);

      // As a renewal writes them: the certificate first, its key a moment later.
      writeFileSync(certFile, second.cert);
      // The key is written once a check has seen the certificate without its key, and kept the old pair.
      await expect
        .poll(() => broker.logLines.some((line) => line.includes('new serving certificate does not load yet')))
        .toBe(true);
      writeFileSync(keyFile, second.key);
      const expected = new X509Certificate(second.cert).fingerprint256;
      const deadline = Date.now() + 10_000;
      while ((await servedFingerprint(port)) !== expected && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      expect(await servedFingerprint(port)).toBe(expected);
      expect(await getTrusting(port, second.cert, '/healthz')).toBe(200);
      await expect(getTrusting(port, first.cert, '/healthz')).rejects.toThrow();
      expect(broker.logLines.join('\n')).not.toContain('PRIVATE KEY');
    });
  });
});
