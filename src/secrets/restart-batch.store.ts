import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { randomUUID } from 'node:crypto';
import { IsNull, LessThan, LessThanOrEqual, Repository } from 'typeorm';
import type { SecretConsumer } from './consumers.js';
import { RestartBatchEntity } from './entities/restart-batch.entity.js';

/** The stored restart batches of rotations (RestartBatches runs them). */
@Injectable()
export class RestartBatchStore {
  constructor(@InjectRepository(RestartBatchEntity) private readonly batches: Repository<RestartBatchEntity>) {}

  /** Stores `later` batches, the n-th due `intervalMs` × n after `now`; returns them with their ids. */
  async add(
    namespace: string,
    secretName: string,
    later: ReadonlyArray<readonly SecretConsumer[]>,
    now: number,
    intervalMs: number,
  ): Promise<RestartBatchEntity[]> {
    const stored = later.map((batch, index) =>
      this.batches.create({
        id: randomUUID(),
        namespace,
        secretName,
        workloads: batch.map(({ kind, name }) => ({ kind, name })),
        dueAt: new Date(now + intervalMs * (index + 1)),
        claimedAt: null,
      }),
    );
    if (stored.length > 0) await this.batches.insert(stored);
    return stored;
  }

  /** Ids of the batches due at `now`, oldest first. */
  async overdue(now: Date, take: number): Promise<string[]> {
    const rows = await this.batches.find({
      where: { dueAt: LessThanOrEqual(now) },
      order: { dueAt: 'ASC' },
      take,
      select: { id: true },
    });
    return rows.map(({ id }) => id);
  }

  /**
   * Claims a batch for this replica: one nobody claimed, or one whose claim is older than
   * `staleBefore` (its replica stopped). Returns the batch when claimed.
   */
  async claim(id: string, now: Date, staleBefore: Date): Promise<RestartBatchEntity | null> {
    const claimedFree = await this.batches.update({ id, claimedAt: IsNull() }, { claimedAt: now });
    const claimed =
      (claimedFree.affected ?? 0) > 0 ||
      ((await this.batches.update({ id, claimedAt: LessThan(staleBefore) }, { claimedAt: now })).affected ?? 0) > 0;
    return claimed ? this.batches.findOneBy({ id }) : null;
  }

  async remove(id: string): Promise<void> {
    await this.batches.delete({ id });
  }
}
