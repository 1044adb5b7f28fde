import { Inject, Injectable, OnApplicationBootstrap } from '@nestjs/common';
import type { Logger } from 'pino';
import { AuditService } from '../audit/audit.service.js';
import type { AuditEventView } from '../audit/models/audit-event.model.js';
import { ClusterGateway } from '../cluster/cluster.gateway.js';
import { ROOT_LOGGER } from '../common/logging/logger.js';
import type { AppConfig } from '../config/app-config.js';
import { APP_CONFIG } from '../config/config.module.js';
import { SecretVersionStore } from './secret-version.store.js';
import { VERSION_ANNOTATION } from './secret-writer.service.js';

export const RECONCILER_SUBJECT = 'system:reconciler';

/**
 * At start, settles every write whose intent was audited but whose outcome never was (a crash
 * between the two): a pending version the cluster holds becomes current, one it does not hold is
 * discarded, a revoke whose object is gone is marked. Each conclusion is itself audited.
 */
@Injectable()
export class SecretReconcilerService implements OnApplicationBootstrap {
  private readonly logger: Logger;

  constructor(
    private readonly audit: AuditService,
    private readonly cluster: ClusterGateway,
    private readonly store: SecretVersionStore,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(ROOT_LOGGER) rootLogger: Logger,
  ) {
    this.logger = rootLogger.child({ component: 'reconciler' });
  }

  async onApplicationBootstrap(): Promise<void> {
    const settledBefore = Date.now() - this.config.reconcileGraceSeconds * 1000;
    for (const intent of await this.audit.findPendingIntents()) {
      // A young intent may be another replica's write in flight; the next start settles it.
      if (new Date(intent.time).getTime() > settledBefore) continue;
      try {
        await this.reconcile(intent);
      } catch (error) {
        // Left pending: the next start tries again.
        this.logger.warn({ err: error, intentId: intent.id }, 'could not reconcile an interrupted write');
      }
    }
  }

  private async reconcile(intent: AuditEventView): Promise<void> {
    const { conclusion, version } = intent.namespace && intent.name ? await this.settle(intent, intent.namespace, intent.name) : { conclusion: 'no target recorded; nothing to settle', version: undefined };
    await this.audit.record({
      actor: { subject: RECONCILER_SUBJECT, request: { requestId: `reconcile-${intent.id}`, sourceIp: undefined, userAgent: undefined } },
      action: 'reconcile',
      outcome: 'succeeded',
      target: { namespace: intent.namespace ?? undefined, name: intent.name ?? undefined, version },
      intentId: intent.id,
      reason: `${intent.action} by ${intent.subject}: ${conclusion}`,
    });
    this.logger.info({ intentId: intent.id, conclusion }, 'reconciled an interrupted write');
  }

  private async settle(intent: AuditEventView, namespace: string, name: string): Promise<{ conclusion: string; version?: number }> {
    const record = await this.store.findRecord(namespace, name);
    if (!record) return { conclusion: 'the broker holds no record; nothing was written' };
    const live = await this.cluster.getSecret(namespace, name);
    const pending = await this.store.pendingVersions(record);
    for (const version of pending) {
      const held = live?.annotations[VERSION_ANNOTATION] === String(version.version) && sameFingerprints(this.store.fingerprint(live.data), version.fingerprints);
      if (held) {
        await this.store.promote(record, version);
        return { conclusion: `version ${version.version} reached the cluster; marked current`, version: version.version };
      }
      await this.store.discard(version);
    }
    if (pending.length > 0) return { conclusion: `version(s) ${pending.map((v) => v.version).join(', ')} never reached the cluster; discarded` };
    if (intent.action === 'revoke' && !live && record.state === 'active') {
      await this.store.markRevoked(record, intent.subject, 'revoke completed by reconciliation');
      return { conclusion: 'the secret is gone from the cluster; marked revoked' };
    }
    return { conclusion: `nothing pending; current version ${record.currentVersion ?? 'none'} stands`, version: record.currentVersion ?? undefined };
  }
}

function sameFingerprints(left: Record<string, string>, right: Record<string, string>): boolean {
  const keys = Object.keys(left);
  return keys.length === Object.keys(right).length && keys.every((key) => left[key] === right[key]);
}
