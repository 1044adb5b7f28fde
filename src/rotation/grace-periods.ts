import { Inject, Injectable, type OnApplicationBootstrap } from '@nestjs/common';
import type { Logger } from 'pino';
import { ClusterGateway } from '../cluster/cluster.gateway.js';
import { systemActor, type Actor } from '../common/actor.js';
import { DomainError, ErrorCode } from '../common/errors/domain-error.js';
import { ROOT_LOGGER } from '../common/logging/logger.js';
import { Clock } from '../common/time/clock.js';
import type { AppConfig } from '../config/app-config.js';
import { APP_CONFIG } from '../config/config.module.js';
import type { SecretRecordEntity } from '../secrets/entities/secret-record.entity.js';
import { RECONCILER_SUBJECT } from '../secrets/secret-reconciler.service.js';
import { withoutPreviousKeys } from '../secrets/previous-keys.js';
import { VERSION_ANNOTATION } from '../secrets/secret-labels.js';
import { SecretVersionStore } from '../secrets/secret-version.store.js';
import { RotationStore } from './rotation.store.js';
import { SystemIntents } from './system-intent.js';

/** A grace period whose end is taken by one replica is retried by another after this long. */
const GRACE_END_LEASE_MS = 30_000;
const CATCH_UP_BATCH = 100;

/**
 * Ends two-phase grace periods: the `.previous` keys leave the cluster object and the previous
 * version becomes deprecated. The scheduler ends those due while it runs; at start, those that
 * ran out while no broker ran (or in a crash between the phases) are ended here, after the
 * secrets reconciler settled pending versions (SecretsModule starts before this module).
 */
@Injectable()
export class GracePeriods implements OnApplicationBootstrap {
  private readonly logger: Logger;

  constructor(
    private readonly rotation: RotationStore,
    private readonly versions: SecretVersionStore,
    private readonly cluster: ClusterGateway,
    private readonly intents: SystemIntents,
    private readonly clock: Clock,
    @Inject(APP_CONFIG) private readonly config: Pick<AppConfig, 'reconcileGraceSeconds'>,
    @Inject(ROOT_LOGGER) rootLogger: Logger,
  ) {
    this.logger = rootLogger.child({ component: 'grace-periods' });
  }

  async onApplicationBootstrap(): Promise<void> {
    // Ended at start under the reconciler's subject, as the rest of what a restart settles.
    const actor = systemActor(RECONCILER_SUBJECT, 'reconcile-grace');
    for (const record of await this.due(CATCH_UP_BATCH)) {
      try {
        await this.finish(actor, record);
      } catch (error) {
        // Audited as failed; the scheduler takes it again once the lease lapses.
        this.logger.warn({ err: error, namespace: record.namespace, name: record.name }, 'grace period not ended');
      }
    }
  }

  /** Records whose grace period is over, at the clock's time. */
  due(take: number): Promise<SecretRecordEntity[]> {
    return this.rotation.dueGracePeriods(new Date(this.clock.now()), take);
  }

  /**
   * Ends one grace period. Taken by one replica at a time; a crash in between leaves it to be
   * taken again, and removing keys already removed changes nothing. False when another replica
   * took it (or it has none).
   */
  async finish(actor: Actor, record: SecretRecordEntity): Promise<boolean> {
    const endsAt = record.graceEndsAt;
    if (endsAt === null) return false;
    const leaseUntil = new Date(this.clock.now() + GRACE_END_LEASE_MS);
    if (!(await this.rotation.claimGraceEnd(record, endsAt, leaseUntil))) return false;
    const target = { namespace: record.namespace, name: record.name };
    await this.intents.run(
      {
        actor,
        action: 'rotate',
        target,
        reason: 'two-phase rotation: grace period over, previous values removed',
        outcomeTarget: { ...target, version: record.currentVersion ?? undefined },
      },
      () => this.removePrevious(record, leaseUntil),
    );
    return true;
  }

  private async removePrevious(record: SecretRecordEntity, leaseUntil: Date): Promise<void> {
    const live = await this.cluster.getSecret(record.namespace, record.name);
    const settled = await this.versions.findRecord(record.namespace, record.name);
    // A write in flight may be putting `.previous` keys of its own there: they are not ours to remove.
    if (
      !settled ||
      (await this.versions.hasPendingVersion(settled, this.config.reconcileGraceSeconds)) ||
      (live && live.annotations[VERSION_ANNOTATION] !== String(settled.currentVersion))
    )
      throw new DomainError(ErrorCode.Conflict, 'A write to the secret is in flight; the grace period ends later');
    if (live) {
      const data = withoutPreviousKeys(live.data);
      if (Object.keys(data).length !== Object.keys(live.data).length) {
        await this.cluster.replaceSecret(
          {
            namespace: live.namespace,
            name: live.name,
            type: live.type,
            data,
            labels: live.labels,
            annotations: live.annotations,
          },
          live.resourceVersion,
        );
      }
    }
    await this.rotation.endGrace(record, leaseUntil);
  }
}
