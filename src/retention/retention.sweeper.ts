import { Inject, Injectable, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import type { Logger } from 'pino';
import { DataSource } from 'typeorm';
import { ROOT_LOGGER } from '../common/logging/logger.js';
import { PeriodicTask } from '../common/scheduling/periodic-task.js';
import { Clock } from '../common/time/clock.js';
import { ConfigError, type AppConfig } from '../config/app-config.js';
import { APP_CONFIG } from '../config/config.module.js';
import { RETENTION_RULES, retentionSetting, type RetentionRule } from './retention-rules.js';

const DAY_MS = 86_400_000;
// Rows deleted per statement: short transactions, so writers are never held up for long.
const BATCH = 1_000;

/**
 * Every RETENTION_SWEEP_SECONDS, removes the finished rows of each RETENTION_RULES table that are
 * older than its setting (RETENTION_<NAME>_DAYS; 0 keeps them). Every replica may sweep: deleting
 * rows another replica already deleted changes nothing.
 */
@Injectable()
export class RetentionSweeper implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly task: PeriodicTask;
  private readonly logger: Logger;

  constructor(
    private readonly dataSource: DataSource,
    private readonly clock: Clock,
    @Inject(APP_CONFIG) private readonly config: Pick<AppConfig, 'retention'>,
    @Inject(ROOT_LOGGER) rootLogger: Logger,
  ) {
    this.logger = rootLogger.child({ component: 'retention' });
    this.task = new PeriodicTask(
      () => this.sweep(),
      (error) => this.logger.error({ err: error }, 'retention sweep failed'),
    );
  }

  onApplicationBootstrap(): void {
    const known = new Set(RETENTION_RULES.map(retentionSetting));
    const unknown = [...this.config.retention.days.keys()].find((setting) => !known.has(setting));
    if (unknown !== undefined) {
      throw new ConfigError(
        `Invalid configuration: ${unknown} names no table with retention (${[...known].join(', ')})`,
      );
    }
    this.task.start(this.config.retention.sweepSeconds);
  }

  onModuleDestroy(): Promise<void> {
    return this.task.stop();
  }

  /** One sweep now (or the one under way). */
  sweepOnce(): Promise<void> {
    return this.task.runOnce();
  }

  private async sweep(): Promise<void> {
    for (const rule of RETENTION_RULES) {
      const days = this.config.retention.days.get(retentionSetting(rule)) ?? rule.defaultDays;
      if (days === 0 || this.task.isStopped) continue;
      const removed = await this.removeFinished(rule, new Date(this.clock.now() - days * DAY_MS));
      if (removed > 0) this.logger.info({ table: rule.name, removed, olderThanDays: days }, 'retention: rows removed');
    }
  }

  private async removeFinished(rule: RetentionRule, before: Date): Promise<number> {
    const finished = rule.finished === undefined ? '' : ` AND ${rule.finished}`;
    let removed = 0;
    for (;;) {
      // One transaction per batch: a row and the rows that depend on it go together.
      const count = await this.dataSource.transaction(async (manager) => {
        const rows = await manager
          .createQueryBuilder()
          .select(rule.key, 'key')
          .from(rule.table, rule.table)
          .where(`${rule.finishedAt} < :before${finished}`, { before })
          .limit(BATCH)
          .getRawMany<{ key: unknown }>();
        const keys = rows.map((row) => row.key);
        if (keys.length === 0) return 0;
        for (const dependent of rule.dependents ?? []) {
          await manager
            .createQueryBuilder()
            .delete()
            .from(dependent.table)
            .where(`${dependent.foreignKey} IN (:...keys)`, { keys })
            .execute();
        }
        await manager
          .createQueryBuilder()
          .delete()
          .from(rule.table)
          .where(`${rule.key} IN (:...keys)`, { keys })
          .execute();
        return keys.length;
      });
      removed += count;
      if (count < BATCH || this.task.isStopped) return removed;
    }
  }
}
