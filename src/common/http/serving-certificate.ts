import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { Server as TlsServer } from 'node:tls';
import type { Logger } from 'pino';
import type { TlsConfig } from '../../config/app-config.js';
import { PeriodicTask } from '../scheduling/periodic-task.js';

export interface CertificatePair {
  readonly cert: string;
  readonly key: string;
}

export function readCertificatePair(tls: Pick<TlsConfig, 'certFile' | 'keyFile'>): CertificatePair {
  return { cert: readFileSync(tls.certFile, 'utf8'), key: readFileSync(tls.keyFile, 'utf8') };
}

/**
 * Swaps the serving certificate when its files change: cert-manager renews into the mounted
 * Secret, which the kubelet updates by swapping a symlink, so the files are polled (contents,
 * not inode events). New connections get the new certificate; open ones keep theirs. A pair
 * that does not load (the certificate written, its key not yet) is retried at the next check.
 */
export class ServingCertificateReloader {
  // check() logs its own failures.
  private readonly task = new PeriodicTask(
    () => Promise.resolve(this.check()),
    () => undefined,
  );
  private loaded: string;

  constructor(
    private readonly server: TlsServer,
    private readonly tls: TlsConfig,
    initial: CertificatePair,
    private readonly logger: Logger,
  ) {
    this.loaded = digest(initial);
  }

  start(): void {
    this.task.start(this.tls.reloadSeconds);
    this.server.once('close', () => void this.stop());
  }

  stop(): Promise<void> {
    return this.task.stop();
  }

  private check(): void {
    let pair: CertificatePair;
    try {
      pair = readCertificatePair(this.tls);
    } catch (error) {
      this.logger.warn({ error: describe(error) }, 'serving certificate files unreadable; keeping the current one');
      return;
    }
    const next = digest(pair);
    if (next === this.loaded) return;
    try {
      this.server.setSecureContext(pair);
      this.loaded = next;
      this.logger.info({ certFile: this.tls.certFile }, 'serving certificate reloaded');
    } catch (error) {
      this.logger.warn(
        { error: describe(error) },
        'new serving certificate does not load yet; keeping the current one',
      );
    }
  }
}

function digest(pair: CertificatePair): string {
  return createHash('sha256').update(pair.cert).update('\0').update(pair.key).digest('hex');
}

// Never the error object itself: OpenSSL messages are safe, but nothing of the key is logged.
function describe(error: unknown): string {
  return error instanceof Error && 'code' in error ? String(error.code) : 'error';
}
