import { Injectable } from '@nestjs/common';
import { ClusterGateway, type ClusterSecret } from '../cluster/cluster.gateway.js';
import { ErrorCode } from '../common/errors/domain-error.js';
import { toDomainError } from '../common/errors/to-domain-error.js';
import type { SecretRecordEntity } from './entities/secret-record.entity.js';
import type { SecretVersionEntity } from './entities/secret-version.entity.js';
import { VERSION_ANNOTATION } from './secret-labels.js';
import { SecretVersionStore } from './secret-version.store.js';

/** What a cluster write that failed leaves behind: a version that became real, or none. */
@Injectable()
export class FailedWrites {
  constructor(
    private readonly store: SecretVersionStore,
    private readonly cluster: ClusterGateway,
  ) {}

  /**
   * A definite refusal (conflict, invalid, forbidden…) means the cluster kept its old state, so
   * the pending version never became real: it is discarded and the error stands. After a lost
   * answer (timeout, 5xx) the write may have landed: the object is read back once; holding the
   * pending version, the write succeeded after all; holding anything else, it did not. If even
   * that read fails, the version stays pending and the reconciler settles it at start.
   */
  async settle(record: SecretRecordEntity, pending: SecretVersionEntity, error: unknown): Promise<ClusterSecret> {
    if (isDefiniteRefusal(error)) {
      await this.store.discard(pending);
      throw error;
    }
    let live: ClusterSecret | undefined;
    try {
      live = await this.cluster.getSecret(record.namespace, record.name);
    } catch {
      throw error;
    }
    if (
      live &&
      live.annotations[VERSION_ANNOTATION] === String(pending.version) &&
      this.store.holdsVersion(record, pending, live.data)
    )
      return live;
    await this.store.discard(pending);
    throw error;
  }
}

/** A refusal after which the cluster certainly kept its old state (anything but a lost answer). */
export function isDefiniteRefusal(error: unknown): boolean {
  return toDomainError(error).code !== ErrorCode.Unavailable;
}
