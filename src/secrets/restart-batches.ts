import { Inject, Injectable, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import type { Logger } from 'pino';
import { ClusterGateway } from '../cluster/cluster.gateway.js';
import { ROOT_LOGGER } from '../common/logging/logger.js';
import { PeriodicTask } from '../common/scheduling/periodic-task.js';
import { Clock } from '../common/time/clock.js';
import type { AppConfig } from '../config/app-config.js';
import { APP_CONFIG } from '../config/config.module.js';
import type { SecretConsumer } from './consumers.js';
import { RestartBatchStore } from './restart-batch.store.js';

// A claim older than this belongs to a replica that stopped while restarting; another one takes it over.
const STALE_CLAIM_MS = 60_000;

/**
 * Consumer restarts of a rotation, batch by batch. The batches after the first are stored before
 * the rotation answers and run `restartIntervalSeconds` apart by a timer in this process; a batch
 * whose process stopped first is run by any replica that finds it overdue (every
 * ROTATION_TICK_SECONDS), so a restart never drops the rest of a rotation's restarts.
 */
@Injectable()
export class RestartBatches implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly task: PeriodicTask;
  private readonly logger: Logger;
  private readonly timers = new Set<NodeJS.Timeout>();

  constructor(
    private readonly batches: RestartBatchStore,
    private readonly cluster: ClusterGateway,
    private readonly clock: Clock,
    @Inject(APP_CONFIG) private readonly config: Pick<AppConfig, 'rotation'>,
    @Inject(ROOT_LOGGER) rootLogger: Logger,
  ) {
    this.logger = rootLogger.child({ component: 'restart-batches' });
    this.task = new PeriodicTask(
      () => this.runOverdue(),
      (error) => this.logger.error({ err: error }, 'resuming restart batches failed'),
    );
  }

  onApplicationBootstrap(): void {
    this.task.start(this.config.rotation.tickSeconds);
    void this.task.runOnce();
  }

  async onModuleDestroy(): Promise<void> {
    for (const timer of this.timers) clearTimeout(timer);
    await this.task.stop();
  }

  /** Restarts the first batch now; stores the others, `intervalMs` apart, and runs them when due. */
  async restartInBatches(
    namespace: string,
    secretName: string,
    batches: ReadonlyArray<readonly SecretConsumer[]>,
    intervalMs: number,
  ): Promise<SecretConsumer[]> {
    const [first = [], ...later] = batches;
    const stored = await this.batches.add(namespace, secretName, later, this.clock.now(), intervalMs);
    stored.forEach((batch, index) => {
      const timer = setTimeout(
        () => {
          this.timers.delete(timer);
          void this.run(batch.id);
        },
        intervalMs * (index + 1),
      );
      timer.unref();
      this.timers.add(timer);
    });
    return this.restart(namespace, first);
  }

  /** Restarts each workload; a failed restart is logged, not fatal. */
  async restart(
    namespace: string,
    consumers: ReadonlyArray<Pick<SecretConsumer, 'kind' | 'name'>>,
  ): Promise<SecretConsumer[]> {
    const now = new Date(this.clock.now());
    const restarted: SecretConsumer[] = [];
    for (const consumer of consumers) {
      try {
        await this.cluster.restartWorkload(consumer.kind, namespace, consumer.name, now);
        restarted.push(consumer as SecretConsumer);
      } catch (error) {
        this.logger.warn(
          { err: error, workload: `${consumer.kind}/${namespace}/${consumer.name}` },
          'workload restart failed',
        );
      }
    }
    return restarted;
  }

  private async runOverdue(): Promise<void> {
    for (const id of await this.batches.overdue(new Date(this.clock.now()), 100)) {
      if (this.task.isStopped) return;
      await this.run(id);
    }
  }

  /** Runs a stored batch once: claimed by one replica, deleted when done. */
  private async run(id: string): Promise<void> {
    try {
      const now = new Date(this.clock.now());
      const batch = await this.batches.claim(id, now, new Date(now.getTime() - STALE_CLAIM_MS));
      if (!batch) return;
      await this.restart(batch.namespace, batch.workloads);
      await this.batches.remove(id);
    } catch (error) {
      this.logger.warn({ err: error, batch: id }, 'a restart batch failed; it is tried again');
    }
  }
}
