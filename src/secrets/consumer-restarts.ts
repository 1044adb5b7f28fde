import { Injectable } from '@nestjs/common';
import { ClusterGateway } from '../cluster/cluster.gateway.js';
import { findConsumers, type SecretConsumer } from './consumers.js';
import { RestartBatches } from './restart-batches.js';
import type { RotationPolicy } from './rotation-policy.js';

/** Restarts of the workloads that consume a secret, after a write that asks for them. */
@Injectable()
export class ConsumerRestarts {
  constructor(
    private readonly cluster: ClusterGateway,
    private readonly batches: RestartBatches,
  ) {}

  /**
   * Restarts run after the version is current; a failed restart is logged, not fatal. With
   * `restartBatchSize`, the first batch is restarted before the answer and the others follow,
   * `restartIntervalSeconds` apart, so the consumers do not all restart at once; those are stored,
   * and resumed by another process if this one stops (RestartBatches).
   */
  async restart(namespace: string, name: string, policy: RotationPolicy | null): Promise<SecretConsumer[]> {
    const consumers = findConsumers(await this.cluster.listWorkloads(namespace), name);
    const size = policy?.restartBatchSize ?? consumers.length;
    const batches = Array.from({ length: Math.ceil(consumers.length / Math.max(size, 1)) }, (_, index) =>
      consumers.slice(index * size, (index + 1) * size),
    );
    return this.batches.restartInBatches(namespace, name, batches, (policy?.restartIntervalSeconds ?? 0) * 1000);
  }
}
