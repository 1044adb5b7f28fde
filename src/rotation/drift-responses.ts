import { Injectable } from '@nestjs/common';
import { ClusterGateway, type ClusterSecret } from '../cluster/cluster.gateway.js';
import type { Actor } from '../common/actor.js';
import { DomainError, ErrorCode } from '../common/errors/domain-error.js';
import type { SecretRecordEntity } from '../secrets/entities/secret-record.entity.js';
import { managedLabels, VERSION_ANNOTATION } from '../secrets/secret-labels.js';
import { SecretSystemWrites } from '../secrets/secret-system-writes.js';
import { SecretVersionStore } from '../secrets/secret-version.store.js';
import { RotationStore } from './rotation.store.js';
import { SystemIntents } from './system-intent.js';

/** What the drift detector does about drift, by the secret's `onDrift` policy; each an audited system intent. */
@Injectable()
export class DriftResponses {
  constructor(
    private readonly intents: SystemIntents,
    private readonly writes: SecretSystemWrites,
    private readonly versions: SecretVersionStore,
    private readonly rotation: RotationStore,
    private readonly cluster: ClusterGateway,
  ) {}

  /**
   * `restore`: the current version's values are written back over what changed outside the
   * broker (or the object is recreated). No new version: the current one is the truth.
   */
  restore(actor: Actor, record: SecretRecordEntity, live: ClusterSecret | undefined): Promise<void> {
    const target = { namespace: record.namespace, name: record.name, version: record.currentVersion ?? undefined };
    const reason = 'onDrift restore: writing the current version back';
    return this.intents.run({ actor, action: 'drift', target, reason }, async () => {
      const current = await this.versions.findCurrentVersion(record);
      const values = current ? this.versions.openValues(record, current) : undefined;
      if (!current || !values)
        throw new DomainError(ErrorCode.Unprocessable, 'The current version has no retained values to restore');
      const write = {
        namespace: record.namespace,
        name: record.name,
        type: record.type,
        data: values,
        labels: managedLabels(live?.labels ?? {}),
        annotations: { ...(live?.annotations ?? {}), [VERSION_ANNOTATION]: String(current.version) },
      };
      if (live) await this.cluster.replaceSecret(write, live.resourceVersion);
      else await this.cluster.createSecret(write);
      await this.rotation.clearDrift(record);
    });
  }

  /** `adopt`: what the cluster now holds becomes a new version. */
  async adopt(actor: Actor, record: SecretRecordEntity, live: ClusterSecret): Promise<void> {
    const target = { namespace: record.namespace, name: record.name };
    const reason = 'onDrift adopt: the live values become a new version';
    await this.intents.run(
      { actor, action: 'drift', target, reason },
      () => this.writes.adoptDecided(actor, record, live),
      (result) => ({ target: { ...target, version: result.version.version } }),
    );
  }
}
