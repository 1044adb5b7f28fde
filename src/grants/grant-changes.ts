import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, type EntityManager } from 'typeorm';
import { isCommitted } from '../common/database/snapshot.js';
import { GRANTS_AND_ROLES, GrantCache } from './grant-cache.js';
import { touchedBy, type GrantChange } from './grant-index.js';

/**
 * The one way grants and roles change. Each change runs in a transaction that also bumps their
 * version and, on PostgreSQL, announces it to the other replicas with the keys it touched
 * (delivered at commit); once it has committed, this replica's cache gets the change before the
 * call returns.
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
      const { result, changes, version } = await this.dataSource.transaction(async (manager) => {
        const version = await GRANTS_AND_ROLES.bump(manager);
        const result = await work(manager);
        const changes = changesOf(result);
        await GRANTS_AND_ROLES.announce(manager, {
          version,
          origin: this.cache.origin,
          touched: { ...touchedBy(changes) },
        });
        return { result, changes, version };
      });
      this.cache.apply(changes, isCommitted(this.dataSource) ? version : undefined);
      return result;
    } finally {
      this.cache.endWrite();
    }
  }
}
