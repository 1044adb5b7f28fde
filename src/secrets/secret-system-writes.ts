import type { ClusterSecret } from '../cluster/cluster.gateway.js';
import type { Actor } from '../common/actor.js';
import type { Target } from '../grants/policy.service.js';
import type { SecretRecordEntity } from './entities/secret-record.entity.js';
import type { VersionReason } from './entities/secret-version.entity.js';
import type { SecretWriteResultView } from './models/secret-write.model.js';

/** How an adopted cluster object is recorded as a version. */
export interface Adoption {
  readonly reason: Extract<VersionReason, 'adopt' | 'restore'>;
  /** The version's note. */
  readonly note: string;
}

export const DRIFT_ADOPTION: Adoption = { reason: 'adopt', note: 'drift adopted' };

/**
 * The narrow write port rotation/ drives secrets through: writes the broker decided on itself.
 * No grant decision is made here; the caller audits the intent and its outcome. Implemented by
 * SecretWriterService, so a system write takes the same versioned path as a caller's.
 */
export abstract class SecretSystemWrites {
  /** A rotation with the stored policy's generators (a scheduled rotation). */
  abstract rotateDecided(actor: Actor, target: Target, reason: string): Promise<SecretWriteResultView>;
  /**
   * What the cluster now holds becomes a new version: drift policy `adopt`, or, at start, a
   * cluster object ahead of the records of a database restored from a backup (`restore`).
   */
  abstract adoptDecided(
    actor: Actor,
    record: SecretRecordEntity,
    live: ClusterSecret,
    adoption?: Adoption,
  ): Promise<SecretWriteResultView>;
}
