import { Injectable } from '@nestjs/common';
import { ClusterGateway, type ClusterSecret } from '../cluster/cluster.gateway.js';
import { DomainError, ErrorCode } from '../common/errors/domain-error.js';
import type { Target } from '../grants/decision.js';
import type { SecretRecordEntity } from './entities/secret-record.entity.js';
import { SecretVersionStore } from './secret-version.store.js';
import { RevocationStore } from './revocation.store.js';

export interface LoadedSecret {
  readonly secret: ClusterSecret;
  readonly record: SecretRecordEntity | null;
}

/**
 * A secret as reading and writing both need it: the live cluster object with the broker's
 * record. A revocation that was interrupted is settled first, so a half-revoked secret is never
 * served or written to; a revoked secret is 410 Gone.
 */
@Injectable()
export class SecretLoader {
  constructor(
    private readonly cluster: ClusterGateway,
    private readonly store: SecretVersionStore,
    private readonly revocations: RevocationStore,
  ) {}

  async load({ namespace, name }: Target): Promise<LoadedSecret> {
    const [secret, found] = await Promise.all([
      this.cluster.getSecret(namespace, name),
      this.store.findRecord(namespace, name),
    ]);
    const record =
      found?.state === 'revoking' ? await this.revocations.settleRevocation(found, secret !== undefined) : found;
    if (!secret) {
      if (record?.state === 'revoked') {
        throw new DomainError(ErrorCode.Gone, `Secret ${namespace}/${name} was revoked`, {
          details: { revokedAt: record.revokedAt?.toISOString() ?? null },
        });
      }
      throw secretNotFound({ namespace, name });
    }
    return { secret, record };
  }

  /**
   * The live object alone, for reads: the version it holds is in its own annotation, so the
   * broker's record is only consulted when the object is missing (404, or 410 if revoked).
   */
  async loadLive(target: Target): Promise<ClusterSecret> {
    return (await this.cluster.getSecret(target.namespace, target.name)) ?? (await this.load(target)).secret;
  }

  /** Settles an interrupted revocation of a secret that may no longer exist (before a create reuses its name). */
  async settleRevocationOf({ namespace, name }: Target): Promise<void> {
    const record = await this.store.findRecord(namespace, name);
    if (record?.state === 'revoking') {
      await this.revocations.settleRevocation(record, (await this.cluster.getSecret(namespace, name)) !== undefined);
    }
  }
}

export function secretNotFound({ namespace, name }: Target): DomainError {
  return new DomainError(ErrorCode.NotFound, `Secret ${namespace}/${name} not found`);
}
