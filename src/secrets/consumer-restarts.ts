import { Inject, Injectable } from '@nestjs/common';
import type { Logger } from 'pino';
import { ClusterGateway } from '../cluster/cluster.gateway.js';
import { ROOT_LOGGER } from '../common/logging/logger.js';
import { Clock } from '../common/time/clock.js';
import { findConsumers, type SecretConsumer } from './consumers.js';
import type { RotationPolicy } from './rotation-policy.js';

/** Restarts of the workloads that consume a secret, after a write that asks for them. */
@Injectable()
export class ConsumerRestarts {
  constructor(
    private readonly cluster: ClusterGateway,
    private readonly clock: Clock,
    @Inject(ROOT_LOGGER) private readonly logger: Logger,
  ) {}

  /**
   * Restarts run after the version is current; a failed restart is logged, not fatal. With
   * `restartBatchSize`, the first batch is restarted before the answer and the others follow,
   * `restartIntervalSeconds` apart, so the consumers do not all restart at once.
   */
  async restart(namespace: string, name: string, policy: RotationPolicy | null): Promise<SecretConsumer[]> {
    const consumers = findConsumers(await this.cluster.listWorkloads(namespace), name);
    const size = policy?.restartBatchSize ?? consumers.length;
    const batches = Array.from({ length: Math.ceil(consumers.length / Math.max(size, 1)) }, (_, index) =>
      consumers.slice(index * size, (index + 1) * size),
    );
    const [first = [], ...later] = batches;
    const intervalMs = (policy?.restartIntervalSeconds ?? 0) * 1000;
    later.forEach((batch, index) => {
      setTimeout(() => void this.restartBatch(namespace, batch), intervalMs * (index + 1)).unref();
    });
    return this.restartBatch(namespace, first);
  }

  private async restartBatch(namespace: string, consumers: readonly SecretConsumer[]): Promise<SecretConsumer[]> {
    const now = new Date(this.clock.now());
    const restarted: SecretConsumer[] = [];
    for (const consumer of consumers) {
      try {
        await this.cluster.restartWorkload(consumer.kind, namespace, consumer.name, now);
        restarted.push(consumer);
      } catch (error) {
        this.logger.warn(
          { err: error, workload: `${consumer.kind}/${namespace}/${consumer.name}` },
          'workload restart failed',
        );
      }
    }
    return restarted;
  }
}
