import { Inject, Injectable, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { AuditService } from '../audit/audit.service.js';
import { ClusterGateway } from '../cluster/cluster.gateway.js';
import { ROOT_LOGGER } from '../common/logging/logger.js';
import { PeriodicTask } from '../common/scheduling/periodic-task.js';
import type { AppConfig } from '../config/app-config.js';
import { APP_CONFIG } from '../config/config.module.js';
import type { LeaseEntity } from './entities/lease.entity.js';
import { LeaseStore } from './lease.store.js';
import { Clock } from '../common/time/clock.js';
import { PolicyService } from '../grants/policy.service.js';
import { ownerOf, serviceAccountSubjects } from './leases.service.js';

export const SWEEPER_SUBJECT = 'system:lease-sweeper';
const BATCH = 100;
// A claim older than this belongs to a replica that stopped mid-sweep; another one takes it over.
const MIN_STALE_CLAIM_MS = 30_000;

/**
 * Every LEASE_SWEEP_SECONDS, ends the leases past their expiry: deletes each owner object (which
 * kills its token in the cluster), marks the lease expired with `lease.expired`, and audits it.
 * Every replica sweeps; each lease is claimed by exactly one (LeaseStore.claimExpired).
 * The same sweep revokes the live leases that would no longer be issued: the grant that allowed
 * one is gone, or the ServiceAccount has since gained grants its leaser does not cover.
 */
@Injectable()
export class LeaseSweeper implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly task: PeriodicTask;
  private readonly logger: Logger;

  constructor(
    private readonly store: LeaseStore,
    private readonly cluster: ClusterGateway,
    private readonly audit: AuditService,
    private readonly policy: PolicyService,
    @Inject(APP_CONFIG) private readonly config: Pick<AppConfig, 'leases'>,
    @Inject(ROOT_LOGGER) rootLogger: Logger,
    private readonly clock: Clock,
  ) {
    this.logger = rootLogger.child({ component: 'lease-sweeper' });
    this.task = new PeriodicTask(
      () => this.sweep(),
      (error) => this.logger.error({ err: error }, 'lease sweep failed'),
    );
  }

  onApplicationBootstrap(): void {
    this.task.start(this.config.leases.sweepSeconds);
  }

  onModuleDestroy(): Promise<void> {
    return this.task.stop();
  }

  /** One sweep, unless one is under way (then that one). Failures are logged; the next sweep retries. */
  sweepOnce(): Promise<void> {
    return this.task.runOnce();
  }

  private async sweep(): Promise<void> {
    const now = new Date(this.clock.now());
    const staleMs = Math.max(MIN_STALE_CLAIM_MS, this.config.leases.sweepSeconds * 3000);
    const claimed = await this.store.claimExpired(now, new Date(now.getTime() - staleMs), BATCH);
    for (const lease of claimed) {
      try {
        await this.expire(lease);
      } catch (error) {
        this.logger.warn({ err: error, leaseId: lease.id }, 'could not end an expired lease; retrying later');
      }
    }
    await this.revokeUnbacked(now);
  }

  private async revokeUnbacked(now: Date): Promise<void> {
    for (let after = ''; ;) {
      const batch = await this.store.live(now, after, BATCH);
      for (const lease of batch.filter((each) => !this.stillAllowed(each))) {
        try {
          await this.revoke(lease);
        } catch (error) {
          this.logger.warn(
            { err: error, leaseId: lease.id },
            'could not end a lease whose grant is gone; retrying later',
          );
        }
      }
      if (batch.length < BATCH) return;
      after = batch[batch.length - 1].id;
    }
  }

  /** The decision that issued the lease, taken again now (its TTL included, so a lowered cap counts too). */
  private stillAllowed(lease: LeaseEntity): boolean {
    const target = { namespace: lease.namespace, name: lease.serviceAccount };
    const decision = this.policy.evaluate(this.policy.grantsOfSubjects(lease.leaserSubjects ?? [lease.subject]), {
      kind: 'target',
      verbs: ['lease'],
      target,
      leaseTtlSeconds: Math.round((lease.expiresAt.getTime() - lease.createdAt.getTime()) / 1000),
      actingAs: this.policy.grantsOfSubjects(serviceAccountSubjects(target)),
    });
    return decision.allowed;
  }

  private async revoke(lease: LeaseEntity): Promise<void> {
    await this.cluster.deleteBindingSecret(ownerOf(lease));
    if (!(await this.store.end(lease, { to: 'revoked', from: ['active'], by: SWEEPER_SUBJECT }))) return;
    await this.recordEnd(lease, 'the grants that allowed the lease no longer do', 'revoke_lease');
  }

  private async expire(lease: LeaseEntity): Promise<void> {
    await this.cluster.deleteBindingSecret(ownerOf(lease));
    if (!(await this.store.end(lease, { to: 'expired', from: ['expiring'], by: SWEEPER_SUBJECT }))) return;
    await this.recordEnd(lease, 'lease expired', 'expire_lease');
  }

  private async recordEnd(lease: LeaseEntity, reason: string, operation: string): Promise<void> {
    await this.audit.record({
      actor: {
        subject: SWEEPER_SUBJECT,
        request: { requestId: `lease-sweep-${randomUUID()}`, sourceIp: undefined, userAgent: undefined },
      },
      action: 'lease',
      outcome: 'succeeded',
      target: { namespace: lease.namespace, name: lease.serviceAccount },
      reason,
      details: { operation, leaseId: lease.id, leasedBy: lease.subject },
    });
  }
}
