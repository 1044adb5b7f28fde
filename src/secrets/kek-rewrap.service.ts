import { randomUUID } from 'node:crypto';
import { Injectable, type OnModuleInit } from '@nestjs/common';
import { InjectDataSource, InjectRepository } from '@nestjs/typeorm';
import { DataSource, In, Repository } from 'typeorm';
import { AuditService } from '../audit/audit.service.js';
import { DerivedKeys } from '../common/crypto/derived-keys.js';
import { KeyRing } from '../common/crypto/key-ring.js';
import { EnvelopeCipher } from '../common/crypto/envelope-cipher.js';
import { SecretRecordEntity } from './entities/secret-record.entity.js';
import { SecretVersionEntity } from './entities/secret-version.entity.js';
import { sealContext } from './secret-version.store.js';

export const KEK_REWRAP_SUBJECT = 'system:kek-rewrap';

export interface RewrapBatch {
  readonly batch: number;
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
 * Re-wraps every stored data key under the active KEK, so older KEKs can be removed. Runs beside
 * serving replicas: each row is updated only if it still holds the wrapped key that was read, so
 * a version written, dropped or re-wrapped meanwhile is left alone; rows already under the active
 * KEK are never selected, so a run that was stopped is simply run again. The values' ciphertext
 * never changes (only its data key is re-wrapped), and each batch is audited once committed.
 */
@Injectable()
export class KekRewrapService implements OnModuleInit {
  constructor(
    @InjectRepository(SecretVersionEntity) private readonly versions: Repository<SecretVersionEntity>,
    @InjectRepository(SecretRecordEntity) private readonly records: Repository<SecretRecordEntity>,
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly cipher: EnvelopeCipher,
    private readonly ring: KeyRing,
    private readonly audit: AuditService,
  ) {}

  /** A KEK removed before kek:rewrap finished would make rollbacks fail later: refuse to start instead. */
  async onModuleInit(): Promise<void> {
    const rows = await this.versions
      .createQueryBuilder('version')
      .select('DISTINCT version.kek_id', 'kekId')
      .where('version.kek_id IS NOT NULL')
      .getRawMany<{ kekId: string }>();
    const missing = rows.map((row) => row.kekId).filter((kekId) => this.ring.keyOf(kekId) === undefined);
    if (missing.length > 0) {
      throw new Error(
        `Stored data keys are wrapped by key-encryption key ${missing.join(', ')}, which is not configured ` +
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
    let after = '';
    for (;;) {
      const rows = await this.versions
        .createQueryBuilder('version')
        .where('version.kek_id IS NOT NULL')
        .andWhere('version.kek_id <> :active', { active: this.ring.active.id })
        .andWhere('version.id > :after', { after })
        .orderBy('version.id')
        .limit(options.batchSize)
        .getMany();
      if (rows.length === 0) break;
      after = rows[rows.length - 1].id;
      const batch = { batch: ++batches, ...(await this.rewrapRows(rows)) };
      await this.record(runId, `batch ${batch.batch}: ${batch.rewrapped} data keys re-wrapped`, {
        batch: batch.batch,
        rewrapped: batch.rewrapped,
        skipped: batch.skipped,
      });
      rewrapped += batch.rewrapped;
      skipped += batch.skipped;
      options.onBatch?.(batch);
    }
    return { batches, rewrapped, skipped, derivationRootRewrapped };
  }

  private async rewrapRows(rows: SecretVersionEntity[]): Promise<{ rewrapped: number; skipped: number }> {
    const records = new Map(
      (await this.records.findBy({ id: In([...new Set(rows.map((row) => row.secretId))]) })).map((record) => [
        record.id,
        record,
      ]),
    );
    let rewrapped = 0;
    for (const row of rows) {
      const record = records.get(row.secretId);
      if (!record || !row.kekId || !row.wrappedDataKey) continue;
      const next = this.cipher.rewrap(
        { kekId: row.kekId, wrappedDataKey: row.wrappedDataKey },
        sealContext(record, row.version),
      );
      const result = await this.versions.update(
        { id: row.id, kekId: row.kekId, wrappedDataKey: row.wrappedDataKey },
        { kekId: next.kekId, wrappedDataKey: next.wrappedDataKey },
      );
      rewrapped += result.affected ?? 0;
    }
    return { rewrapped, skipped: rows.length - rewrapped };
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
