import { Inject, Injectable, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { AuditService } from '../audit/audit.service.js';
import { ClusterGateway, type ClusterSecret } from '../cluster/cluster.gateway.js';
import { SecretChangeFeed } from '../cluster/secret-changes.js';
import { systemActor } from '../common/actor.js';
import { ROOT_LOGGER } from '../common/logging/logger.js';
import { PeriodicTask } from '../common/scheduling/periodic-task.js';
import { Clock } from '../common/time/clock.js';
import type { AppConfig } from '../config/app-config.js';
import { APP_CONFIG } from '../config/config.module.js';
import { MetricsService } from '../metrics/metrics.service.js';
import type { SecretRecordEntity } from '../secrets/entities/secret-record.entity.js';
import type { SecretVersionEntity } from '../secrets/entities/secret-version.entity.js';
import { SecretVersionStore } from '../secrets/secret-version.store.js';
import { DriftResponses } from './drift-responses.js';
import { DRIFT_SUBJECT, RotationStore } from './rotation.store.js';

/** Changes the watch reports for one secret within this window are compared once. */
const SETTLE_MS = 100;
const PAGE = 200;

interface Drift {
  readonly record: SecretRecordEntity;
  readonly live: ClusterSecret | undefined;
  readonly keys: string[];
}

/**
 * Notices managed Secrets changed or deleted outside the broker: on every change the watch
 * reports, and by comparing every managed secret each DRIFT_CHECK_SECONDS (the only way where
 * no watch runs). A live object differs when its values no longer match the current version's
 * fingerprints, whatever its version annotation says. The broker's own writes never count: a
 * secret with a pending version younger than RECONCILE_GRACE_SECONDS is being written, and a
 * mismatch is confirmed by a second read before it counts. Drift is audited (keys, never values), counted, announced
 * once as `secret.drifted`, and handled by the secret's `onDrift` policy.
 */
@Injectable()
export class DriftDetector implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger: Logger;
  private readonly waiting = new Map<string, NodeJS.Timeout>();
  private readonly checking = new Map<string, Promise<void>>();
  private unsubscribe: (() => void) | undefined;
  private readonly sweep: PeriodicTask;
  private stopped = false;

  constructor(
    private readonly store: SecretVersionStore,
    private readonly rotation: RotationStore,
    private readonly responses: DriftResponses,
    private readonly cluster: ClusterGateway,
    private readonly changes: SecretChangeFeed,
    private readonly audit: AuditService,
    private readonly metrics: MetricsService,
    @Inject(APP_CONFIG) private readonly config: Pick<AppConfig, 'rotation' | 'reconcileGraceSeconds'>,
    @Inject(ROOT_LOGGER) rootLogger: Logger,
    private readonly clock: Clock,
  ) {
    this.logger = rootLogger.child({ component: 'drift-detector' });
    this.sweep = new PeriodicTask(
      () => this.compareAll(),
      (error) => this.logger.warn({ err: error }, 'drift sweep failed'),
    );
  }

  onApplicationBootstrap(): void {
    this.unsubscribe = this.changes.subscribe((namespace, name) => this.changed(namespace, name));
    this.sweep.start(this.config.rotation.driftCheckSeconds);
  }

  async onModuleDestroy(): Promise<void> {
    this.stopped = true;
    this.unsubscribe?.();
    for (const timeout of this.waiting.values()) clearTimeout(timeout);
    this.waiting.clear();
    await Promise.all([this.sweep.stop(), ...this.checking.values()]);
  }

  /** Compares every managed secret with its current version, after any sweep under way. */
  checkAll(): Promise<void> {
    return this.sweep.runNext();
  }

  /** Compares one secret now (after any comparison of it already running). */
  check(namespace: string, name: string): Promise<void> {
    const key = `${namespace}/${name}`;
    const previous = this.checking.get(key) ?? Promise.resolve();
    const next = previous.then(() => this.compareOne(namespace, name));
    this.checking.set(key, next);
    void next.finally(() => {
      if (this.checking.get(key) === next) this.checking.delete(key);
    });
    return next;
  }

  private changed(namespace: string, name: string): void {
    if (this.stopped) return;
    const key = `${namespace}/${name}`;
    clearTimeout(this.waiting.get(key));
    const timeout = setTimeout(() => {
      this.waiting.delete(key);
      void this.check(namespace, name);
    }, SETTLE_MS);
    timeout.unref();
    this.waiting.set(key, timeout);
  }

  private async compareAll(): Promise<void> {
    let after = '';
    for (;;) {
      const records = await this.store.activeRecords(after, PAGE);
      for (const record of records) {
        if (this.stopped) return;
        await this.check(record.namespace, record.name);
      }
      if (records.length < PAGE) return;
      after = records[records.length - 1].id;
    }
  }

  /** A failure is logged; the next change or sweep compares again. */
  private async compareOne(namespace: string, name: string): Promise<void> {
    try {
      const drift = await this.detect(namespace, name);
      if (drift) await this.handle(drift);
    } catch (error) {
      this.logger.warn({ err: error, namespace, name }, 'drift comparison failed');
    }
  }

  /**
   * Drift is decided on values alone (fingerprints against the current version): the version
   * annotation is written by whoever writes the object, so it proves nothing. The live object is
   * read first, the record after; a mismatch is read again once the record said which version is
   * current, so a read from before a broker write that finished since is not taken for drift.
   */
  private async detect(namespace: string, name: string): Promise<Drift | undefined> {
    const live = await this.cluster.getSecret(namespace, name);
    const record = await this.store.findRecord(namespace, name);
    if (!record || record.state !== 'active' || record.currentVersion === null) return undefined;
    if (await this.store.hasPendingVersion(record, this.config.reconcileGraceSeconds)) return undefined;
    const current = await this.store.findCurrentVersion(record);
    if (!current) return undefined;
    if (live && (await this.matches(record, current, live))) return undefined;
    const again = await this.cluster.getSecret(namespace, name);
    const settled = await this.store.findRecord(namespace, name);
    if (!settled || settled.state !== 'active' || settled.currentVersion !== record.currentVersion) return undefined;
    if (await this.store.hasPendingVersion(settled, this.config.reconcileGraceSeconds)) return undefined;
    if (!again) return { record, live: again, keys: Object.keys(current.fingerprints).sort() };
    const keys = this.store.changedKeys(record, current, again.data);
    if (keys.length === 0) return undefined;
    return { record, live: again, keys };
  }

  /** Whether the live values are the current version's (clearing a recorded drift if so). */
  private async matches(
    record: SecretRecordEntity,
    current: SecretVersionEntity,
    live: ClusterSecret,
  ): Promise<boolean> {
    if (this.store.changedKeys(record, current, live.data).length > 0) return false;
    if (record.driftedAt !== null) await this.rotation.clearDrift(record);
    return true;
  }

  private async handle({ record, live, keys }: Drift): Promise<void> {
    const action = record.rotationPolicy?.onDrift ?? 'record';
    const deleted = live === undefined;
    const actor = systemActor(DRIFT_SUBJECT, `drift-${randomUUID()}`);
    const target = { namespace: record.namespace, name: record.name, version: record.currentVersion ?? undefined };
    if (await this.rotation.markDrifted(record, keys, deleted, new Date(this.clock.now()))) {
      await this.audit.record({
        actor,
        action: 'drift',
        outcome: 'succeeded',
        target,
        reason: deleted
          ? 'the Secret was deleted outside the broker'
          : `the Secret was changed outside the broker: ${keys.join(', ')}`,
        details: { keys: keys.join(','), deleted, onDrift: action },
      });
      this.metrics.countDrift(action);
      this.logger.warn({ namespace: record.namespace, name: record.name, keys, deleted, onDrift: action }, 'drift');
    }
    if (action === 'restore') await this.responses.restore(actor, record, live);
    // Nothing to adopt from a deleted object: the drift stays on record.
    else if (action === 'adopt' && live) await this.responses.adopt(actor, record, live);
  }
}
