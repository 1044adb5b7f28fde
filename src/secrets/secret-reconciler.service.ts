import { Inject, Injectable, OnApplicationBootstrap } from '@nestjs/common';
import type { Logger } from 'pino';
import { AuditService } from '../audit/audit.service.js';
import type { AuditEventView } from '../audit/models/audit-event.model.js';
import { ClusterGateway } from '../cluster/cluster.gateway.js';
import { systemActor } from '../common/actor.js';
import { ROOT_LOGGER } from '../common/logging/logger.js';
import { Clock } from '../common/time/clock.js';
import type { AppConfig } from '../config/app-config.js';
import { APP_CONFIG } from '../config/config.module.js';
import type { SecretRecordEntity } from './entities/secret-record.entity.js';
import type { SecretVersionEntity } from './entities/secret-version.entity.js';
import { withoutPreviousKeys } from './previous-keys.js';
import { VERSION_ANNOTATION, versionOf } from './secret-labels.js';
import { SecretSystemWrites } from './secret-system-writes.js';
import { SecretVersionStore } from './secret-version.store.js';
import { RevocationStore } from './revocation.store.js';

export const RECONCILER_SUBJECT = 'system:reconciler';
// Records read per query while looking for secrets the cluster holds newer versions of.
const PAGE = 100;

interface Conclusion {
  readonly text: string;
  readonly version?: number;
}

/**
 * At start, settles what a crash (or an ambiguous cluster failure) left half done. Pending
 * versions: one the cluster holds becomes current, one it does not is discarded. Then every
 * audited intent without an outcome gets one, saying what was concluded for its secret. Only
 * work older than RECONCILE_GRACE_SECONDS is touched: younger work may be another replica's,
 * still in flight. Every conclusion is audited.
 */
@Injectable()
export class SecretReconcilerService implements OnApplicationBootstrap {
  private readonly logger: Logger;

  constructor(
    private readonly audit: AuditService,
    private readonly cluster: ClusterGateway,
    private readonly store: SecretVersionStore,
    @Inject(APP_CONFIG) private readonly config: Pick<AppConfig, 'reconcileGraceSeconds'>,
    @Inject(ROOT_LOGGER) rootLogger: Logger,
    private readonly clock: Clock,
    private readonly revocations: RevocationStore,
    private readonly writes: SecretSystemWrites,
  ) {
    this.logger = rootLogger.child({ component: 'reconciler' });
  }

  async onApplicationBootstrap(): Promise<void> {
    await this.attempt('fingerprints of an earlier scheme', async () => {
      const upgraded = await this.store.upgradeFingerprints();
      if (upgraded > 0) this.logger.info({ upgraded }, 're-keyed version fingerprints per secret');
    });
    const settledBefore = this.clock.now() - this.config.reconcileGraceSeconds * 1000;
    const conclusions = new Map<string, Conclusion>();
    for (const { record, version } of await this.store.pendingVersions()) {
      if (version.createdAt.getTime() > settledBefore) continue;
      await this.attempt(`version ${version.version} of ${record.namespace}/${record.name}`, async () => {
        const conclusion = await this.settleVersion(record, version);
        conclusions.set(key(record.namespace, record.name), conclusion);
        await this.recordConclusion({ namespace: record.namespace, name: record.name }, conclusion);
      });
    }
    await this.catchUpWithCluster();
    for (const intent of await this.audit.findPendingIntents()) {
      if (new Date(intent.time).getTime() > settledBefore) continue;
      await this.attempt(`intent ${intent.id}`, async () => {
        const namespace = intent.namespace ?? undefined;
        const name = intent.name ?? undefined;
        const conclusion =
          (namespace && name && conclusions.get(key(namespace, name))) ||
          (await this.settleIntent(intent, namespace, name));
        await this.recordConclusion({ namespace, name }, conclusion, intent);
      });
    }
  }

  /**
   * After the database was restored from a backup, the cluster may hold versions the records do
   * not know (the version annotation is ahead of the current version). What the cluster holds
   * becomes a new version with reason `restore`, numbered above both, so no number repeats.
   */
  private async catchUpWithCluster(): Promise<void> {
    const actor = systemActor(RECONCILER_SUBJECT, 'reconcile-restore');
    let after = '';
    for (;;) {
      const records = await this.store.activeRecords(after, PAGE);
      for (const record of records) {
        await this.attempt(`cluster version of ${record.namespace}/${record.name}`, async () => {
          const live = await this.cluster.getSecret(record.namespace, record.name);
          const clusterVersion = live && versionOf(live.annotations);
          const recorded = record.currentVersion ?? 0;
          if (!live || clusterVersion === null || clusterVersion === undefined || clusterVersion <= recorded) return;
          const target = { namespace: record.namespace, name: record.name };
          const reason = `the cluster holds version ${clusterVersion}, the records only ${recorded} (database restored from a backup): its values become a new version`;
          const intent = await this.audit.record({ actor, action: 'reconcile', outcome: 'allowed', target, reason });
          await this.audit.recordOutcome(
            { actor, action: 'reconcile', target, intentId: intent.id },
            () =>
              this.writes.adoptDecided(actor, record, live, {
                reason: 'restore',
                note: `restored database: the cluster held version ${clusterVersion}`,
              }),
            (result) => ({ target: { ...target, version: result.version.version } }),
          );
          this.logger.warn(
            { namespace: record.namespace, name: record.name, clusterVersion, recorded },
            'the cluster is ahead of the records (restored database): its values became a new version',
          );
        });
      }
      if (records.length < PAGE) return;
      after = records[records.length - 1].id;
    }
  }

  private async settleVersion(record: SecretRecordEntity, version: SecretVersionEntity): Promise<Conclusion> {
    const live = await this.cluster.getSecret(record.namespace, record.name);
    const held =
      live !== undefined &&
      live.annotations[VERSION_ANNOTATION] === String(version.version) &&
      this.store.holdsVersion(record, version, live.data);
    if (held) {
      // A two-phase rotation that stopped before it was promoted: its grace period counts from the version.
      const keptPrevious =
        Object.keys(withoutPreviousKeys(live.data, new Set(Object.keys(version.fingerprints)))).length <
        Object.keys(live.data).length;
      const graceSeconds = record.rotationPolicy?.graceSeconds ?? 0;
      await this.store.promote(record, version, {
        graceEndsAt: keptPrevious ? new Date(version.createdAt.getTime() + graceSeconds * 1000) : null,
      });
      return { text: `version ${version.version} reached the cluster; marked current`, version: version.version };
    }
    await this.store.discard(version);
    return { text: `version ${version.version} never reached the cluster; discarded` };
  }

  private async settleIntent(
    intent: AuditEventView,
    namespace: string | undefined,
    name: string | undefined,
  ): Promise<Conclusion> {
    if (!namespace || !name) return { text: 'no target recorded; nothing to settle' };
    const record = await this.store.findRecord(namespace, name);
    if (!record) return { text: 'the broker holds no record; nothing was written' };
    if (intent.action === 'revoke' && record.state !== 'revoked') {
      const exists = (await this.cluster.getSecret(namespace, name)) !== undefined;
      if (record.state === 'revoking') {
        const settled = await this.revocations.settleRevocation(record, exists);
        return {
          text:
            settled.state === 'revoked'
              ? 'the secret is gone from the cluster; revocation completed'
              : 'the secret is still in the cluster; revocation undone',
        };
      }
      if (!exists) {
        await this.revocations.markRevoked(record, intent.subject, 'revoke completed by reconciliation');
        return { text: 'the secret is gone from the cluster; marked revoked' };
      }
    }
    return {
      text: `nothing pending; current version ${record.currentVersion ?? 'none'} stands`,
      version: record.currentVersion ?? undefined,
    };
  }

  private async recordConclusion(
    target: { namespace?: string; name?: string },
    conclusion: Conclusion,
    intent?: AuditEventView,
  ): Promise<void> {
    await this.audit.record({
      actor: {
        subject: RECONCILER_SUBJECT,
        request: { requestId: `reconcile-${intent?.id ?? 'pending'}`, sourceIp: undefined, userAgent: undefined },
      },
      action: 'reconcile',
      outcome: 'succeeded',
      target: { ...target, version: conclusion.version },
      intentId: intent?.id,
      reason: intent ? `${intent.action} by ${intent.subject}: ${conclusion.text}` : conclusion.text,
    });
    this.logger.info(
      { intentId: intent?.id, ...target, conclusion: conclusion.text },
      'reconciled an interrupted write',
    );
  }

  /** A failure leaves the item as it was: the next start tries again. */
  private async attempt(what: string, work: () => Promise<void>): Promise<void> {
    try {
      await work();
    } catch (error) {
      this.logger.warn({ err: error, what }, 'could not reconcile an interrupted write');
    }
  }
}

function key(namespace: string, name: string): string {
  return `${namespace}/${name}`;
}
