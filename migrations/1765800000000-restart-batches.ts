import { MigrationInterface, QueryRunner, Table, TableIndex } from 'typeorm';
import { timestampType } from './column-types.js';

/**
 * Consumer restarts after the first batch, kept until done: a broker that restarts between the
 * batches of a rotation resumes them rather than dropping them.
 */
export class RestartBatches1765800000000 implements MigrationInterface {
  name = 'RestartBatches1765800000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const timestamp = timestampType(queryRunner);
    await queryRunner.createTable(
      new Table({
        name: 'restart_batches',
        columns: [
          { name: 'id', type: 'varchar', length: '36', isPrimary: true },
          { name: 'namespace', type: 'varchar', length: '63' },
          { name: 'secret_name', type: 'varchar', length: '253' },
          { name: 'workloads', type: 'text' },
          { name: 'due_at', type: timestamp },
          { name: 'claimed_at', type: timestamp, isNullable: true },
        ],
      }),
    );
    await queryRunner.createIndex(
      'restart_batches',
      new TableIndex({ name: 'idx_restart_batches_due', columnNames: ['due_at'] }),
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('restart_batches');
  }
}
