import { randomUUID } from 'node:crypto';
import { Injectable, type OnModuleInit } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { AuditService } from '../audit/audit.service.js';
import { DerivedKeys } from '../crypto/derived-keys.js';
import { KeyRing } from '../crypto/key-ring.js';
import type { WrappedDataKeys } from '../crypto/wrapped-data-keys.js';
import { SigningSecretKeys } from '../webhooks/signing-secret-keys.js';
import { SecretVersionKeys } from './secret-version-keys.js';

export const KEK_REWRAP_SUBJECT = 'system:kek-rewrap';

export interface RewrapBatch {
  readonly batch: number;
  /** What the data keys of this batch protect. */
  readonly kind: string;
  /** Data keys now wrapped by the active KEK. */
  readonly rewrapped: number;
  /** Rows that changed under the run (values dropped by retention or revocation, or re-wrapped by another run). */
  readonly skipped: number;
}

export interface RewrapSummary {
  readonly batches: number;
  readonly rewrapped: number;
  readonly skipped: number;
  readonly derivationRootRewrapped: boolean;
}

/**
 * Re-wraps every stored data key (retained secret versions, webhook signing secrets) under the
 * active KEK, so older KEKs can be removed. Runs beside serving replicas: each row is updated only
 * if it still holds the wrapped key that was read, so a row written, dropped or re-wrapped
 * meanwhile is left alone; rows already under the active KEK are never re-wrapped, so a run that
 * was stopped is simply run again. Ciphertexts never change (only their data keys are re-wrapped),
 * and each batch is audited once committed.
 */
@Injectable()
export class KekRewrapService implements OnModuleInit {
  private readonly stores: readonly WrappedDataKeys[];

  constructor(
    versionKeys: SecretVersionKeys,
    signingSecretKeys: SigningSecretKeys,
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly ring: KeyRing,
    private readonly audit: AuditService,
  ) {
    this.stores = [versionKeys, signingSecretKeys];
  }

  /** A KEK removed before kek:rewrap finished would make rollbacks or deliveries fail later: refuse to start instead. */
  async onModuleInit(): Promise<void> {
    const inUse = new Set((await Promise.all(this.stores.map((store) => store.kekIdsInUse()))).flat());
    const missing = [...inUse].filter((kekId) => this.ring.keyOf(kekId) === undefined);
    if (missing.length > 0) {
      throw new Error(
        `Stored data keys are wrapped by key-encryption key ${missing.map((kekId) => this.ring.describe(kekId)).join(', ')}, which is not configured ` +
          '(add it back to ENCRYPTION_KEYS and run kek:rewrap before removing it)',
      );
    }
  }

  async run(options: { batchSize: number; onBatch?: (batch: RewrapBatch) => void }): Promise<RewrapSummary> {
    const runId = randomUUID();
    const derivationRootRewrapped = await DerivedKeys.rewrapRoot(this.dataSource, this.ring);
    if (derivationRootRewrapped) {
      await this.record(runId, 'derivation root re-wrapped', { derivationRoot: true });
    }
    let [batches, rewrapped, skipped] = [0, 0, 0];
    for (const store of this.stores) {
      let after = '';
      for (;;) {
        const done = await store.rewrapAfter(after, options.batchSize);
        if (!done) break;
        after = done.last;
        const batch = { batch: ++batches, kind: store.kind, rewrapped: done.rewrapped, skipped: done.skipped };
        await this.record(runId, `batch ${batch.batch}: ${batch.rewrapped} data keys of ${store.kind} re-wrapped`, {
          batch: batch.batch,
          rewrapped: batch.rewrapped,
          skipped: batch.skipped,
        });
        rewrapped += batch.rewrapped;
        skipped += batch.skipped;
        options.onBatch?.(batch);
      }
    }
    return { batches, rewrapped, skipped, derivationRootRewrapped };
  }

  private async record(runId: string, reason: string, details: Record<string, number | boolean>): Promise<void> {
    await this.audit.record({
      actor: {
        subject: KEK_REWRAP_SUBJECT,
        request: { requestId: `kek-rewrap-${runId}`, sourceIp: undefined, userAgent: undefined },
      },
      action: 'rewrap',
      outcome: 'succeeded',
      reason: `${reason} under key-encryption key ${this.ring.active.name}`,
      details: { ...details, kek: this.ring.active.name },
    });
  }
}
