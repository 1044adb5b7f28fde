import type { Logger } from 'pino';
import { plainLinkHasher, type LinkHasher } from './audit-chain.js';
import type { AuditCheckpoints } from './audit-checkpoints.js';
import type { AuditEventStore } from './audit-event.store.js';

/**
 * Brings a chain linked with plain SHA-256 (before links were keyed) under the key, once, before
 * anything is appended. Only while no checkpoint exists anywhere: after the first checkpoint, an
 * unkeyed chain can only be a forgery (someone replaced the table), and re-keying it would
 * launder it; verify reports it instead.
 */
export class LegacyChainRekeying {
  private preparing: Promise<void> | undefined;

  constructor(
    private readonly store: AuditEventStore,
    private readonly checkpoints: AuditCheckpoints,
    private readonly link: LinkHasher,
    private readonly logger: Logger,
  ) {}

  /**
   * Settles once the chain is ready for appends. Started by the first caller (an append or the
   * start-up hook, whichever comes first), so no appender waits on a hook that has not run yet.
   * Rejects, failing the start, when a re-key is due but the checkpoints cannot be read; a later
   * call tries again.
   */
  ready(): Promise<void> {
    this.preparing ??= this.prepare().catch((error: unknown) => {
      this.preparing = undefined;
      throw error;
    });
    return this.preparing;
  }

  private async prepare(): Promise<void> {
    const newest = await this.store.newest();
    // Only the newest event is looked at here: a keyed head means this is not a legacy chain.
    if (newest === undefined || this.link(newest) === newest.hash || plainLinkHasher(newest) !== newest.hash) return;
    if (await this.checkpoints.anyPresent()) {
      this.logger.error(
        { head: newest.id },
        'the audit chain is linked without the key but a checkpoint exists: not re-keyed (verify reports it)',
      );
      return;
    }
    const rekeyed = await this.store.rekey(plainLinkHasher);
    if (rekeyed === undefined) {
      this.logger.error(
        { head: newest.id },
        'the unkeyed audit chain does not verify as plain SHA-256: not re-keyed (verify reports it)',
      );
    } else {
      this.logger.info({ events: rekeyed }, 're-keyed the audit chain (plain SHA-256 to HMAC-SHA-256)');
    }
  }
}
