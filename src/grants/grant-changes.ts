import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, type EntityManager } from 'typeorm';
import { isCommitted } from '../common/database/snapshot.js';
import { GRANTS_AND_ROLES, GrantCache } from './grant-cache.js';
import type { GrantChange } from './grant-index.js';

/**
 * The one way grants and roles change. Each change runs in a transaction that also bumps their
 * version (and, on PostgreSQL, notifies the other replicas at commit); once it has committed,
 * this replica's cache gets the change before the call returns.
 */
@Injectable()
export class GrantChanges {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly cache: GrantCache,
  ) {}

  async write<T>(
    work: (manager: EntityManager) => Promise<T>,
    changesOf: (result: T) => readonly GrantChange[],
  ): Promise<T> {
    this.cache.beginWrite();
    try {
      const { result, version } = await this.dataSource.transaction(async (manager) => {
        const version = await GRANTS_AND_ROLES.bump(manager, this.cache.origin);
        return { result: await work(manager), version };
      });
      this.cache.apply(changesOf(result), isCommitted(this.dataSource) ? version : undefined);
      return result;
    } finally {
      this.cache.endWrite();
    }
  }
}
