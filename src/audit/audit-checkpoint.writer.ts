import { BeforeApplicationShutdown, Inject, Injectable, OnApplicationBootstrap } from '@nestjs/common';
import type { Logger } from 'pino';
import { ROOT_LOGGER } from '../common/logging/logger.js';
import { PeriodicTask } from '../common/scheduling/periodic-task.js';
import type { AppConfig } from '../config/app-config.js';
import { APP_CONFIG } from '../config/config.module.js';
import { MetricsService } from '../metrics/metrics.service.js';
import { GENESIS_HASH } from './audit-chain.js';
import type { CheckpointHead } from './audit-checkpoint.js';
import { AuditCheckpoints, type WriteOutcome } from './audit-checkpoints.js';
import { AuditEventStore } from './audit-event.store.js';
import { AuditKeys } from './audit-keys.js';
import { AuditRestores } from './audit-restores.js';
import { AuditService } from './audit.service.js';
import { LegacyChainRekeying } from './legacy-chain.js';

/**
 * Writes a signed checkpoint of the chain head outside the database: at start (after a legacy
 * chain was re-keyed), every AUDIT_CHECKPOINT_SECONDS while the head moves, and at graceful
 * shutdown once pending audit writes are flushed. A failure is logged and counted, and never
 * reaches a request.
 */
@Injectable()
export class AuditCheckpointWriter implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger: Logger;
  private readonly task: PeriodicTask;
  /** The head every location holds (or holds something newer than), so an idle broker writes nothing. */
  private anchoredId: number | undefined;
  /** Events up to `id`, so each checkpoint counts only the events added since the last one. */
  private counted = { id: 0, count: 0 };

  constructor(
    private readonly store: AuditEventStore,
    private readonly checkpoints: AuditCheckpoints,
    private readonly rekeying: LegacyChainRekeying,
    private readonly restores: AuditRestores,
    private readonly audit: AuditService,
    private readonly keys: AuditKeys,
    private readonly metrics: MetricsService,
    @Inject(APP_CONFIG) private readonly config: Pick<AppConfig, 'auditCheckpoint'>,
    @Inject(ROOT_LOGGER) rootLogger: Logger,
  ) {
    this.logger = rootLogger.child({ component: 'audit-checkpoint' });
    // writeHead reports its own failures per location.
    this.task = new PeriodicTask(
      () => this.writeHead(),
      () => undefined,
    );
  }

  async onApplicationBootstrap(): Promise<void> {
    await this.rekeying.ready();
    await this.writeNow();
    this.task.start(this.config.auditCheckpoint.intervalSeconds);
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.audit.drained();
    await this.writeNow();
    await this.task.stop();
  }

  /** Checkpoints the current head, after any write under way (which may have read an older head). */
  writeNow(): Promise<void> {
    return this.task.runNext();
  }

  private async writeHead(): Promise<void> {
    try {
      const head = await this.store.newest();
      const id = head?.id ?? 0;
      if (id === this.anchoredId) return;
      if (head !== undefined && this.keys.link(head) !== head.hash) {
        // Checkpointing a head that does not verify would vouch for a forgery.
        for (const location of this.checkpoints.locations) {
          this.report({
            location: location.name,
            result: 'refused',
            detail: `the newest event ${id} does not match its hash under the key`,
          });
        }
        return;
      }
      const checkpoint: CheckpointHead = {
        id,
        hash: head?.hash ?? GENESIS_HASH,
        count: await this.countUpTo(id),
        writtenAt: new Date(),
      };
      const outcomes = await this.checkpoints.write(
        checkpoint,
        (at) => this.store.hashAt(at),
        (current) => this.restores.acknowledges(current),
      );
      outcomes.forEach((outcome) => this.report(outcome, checkpoint));
      if (outcomes.every((outcome) => outcome.result === 'written' || outcome.result === 'current'))
        this.anchoredId = id;
    } catch (error) {
      for (const location of this.checkpoints.locations)
        this.report({ location: location.name, result: 'failed', error });
    }
  }

  private async countUpTo(id: number): Promise<number> {
    // Counted in full (pruned events included) at first, then only what was added since.
    const count =
      id >= this.counted.id && this.counted.id > 0
        ? this.counted.count + (await this.store.countBetween(this.counted.id, id))
        : await this.store.countUpTo(id);
    this.counted = { id, count };
    return count;
  }

  private report(outcome: WriteOutcome, checkpoint?: CheckpointHead): void {
    const { location } = outcome;
    switch (outcome.result) {
      case 'written':
        this.metrics.observeAuditCheckpoint(location, true);
        this.logger.debug({ location, id: checkpoint?.id }, 'audit checkpoint written');
        return;
      case 'current':
        return;
      case 'refused':
        this.metrics.observeAuditCheckpoint(location, false);
        this.logger.error(
          { location, reason: outcome.detail },
          'audit checkpoint not advanced: the chain or the checkpoint was tampered with',
        );
        return;
      case 'failed':
        this.metrics.observeAuditCheckpoint(location, false);
        this.logger.error({ location, err: outcome.error }, 'could not write the audit checkpoint');
    }
  }
}
