import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { In, Repository } from 'typeorm';
import { EnvelopeCipher } from '../crypto/envelope-cipher.js';
import { KeyRing } from '../crypto/key-ring.js';
import type { RewrappedBatch, WrappedDataKeys } from '../crypto/wrapped-data-keys.js';
import { SecretRecordEntity } from './entities/secret-record.entity.js';
import { SecretVersionEntity } from './entities/secret-version.entity.js';
import { sealContext } from './secret-version.store.js';

/** The data keys of retained secret versions. */
@Injectable()
export class SecretVersionKeys implements WrappedDataKeys {
  readonly kind = 'secret versions';

  constructor(
    @InjectRepository(SecretVersionEntity) private readonly versions: Repository<SecretVersionEntity>,
    @InjectRepository(SecretRecordEntity) private readonly records: Repository<SecretRecordEntity>,
    private readonly cipher: EnvelopeCipher,
    private readonly ring: KeyRing,
  ) {}

  async kekIdsInUse(): Promise<string[]> {
    const rows = await this.versions
      .createQueryBuilder('version')
      .select('DISTINCT version.kek_id', 'kekId')
      .where('version.kek_id IS NOT NULL')
      .getRawMany<{ kekId: string }>();
    return rows.map((row) => row.kekId);
  }

  async rewrapAfter(after: string, limit: number): Promise<RewrappedBatch | undefined> {
    const rows = await this.versions
      .createQueryBuilder('version')
      .where('version.kek_id IS NOT NULL')
      .andWhere('version.kek_id <> :active', { active: this.ring.active.id })
      .andWhere('version.id > :after', { after })
      .orderBy('version.id')
      .limit(limit)
      .getMany();
    if (rows.length === 0) return undefined;
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
    return { last: rows[rows.length - 1].id, rewrapped, skipped: rows.length - rewrapped };
  }
}
