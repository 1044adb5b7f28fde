import { MigrationInterface, QueryRunner, Table } from 'typeorm';
import { timestampType } from './column-types.js';

/** The lifecycle outbox: one row per event, written in the transaction of the change that caused it. */
export class LifecycleEvents1764950000000 implements MigrationInterface {
  name = 'LifecycleEvents1764950000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.createTable(
      new Table({
        name: 'lifecycle_events',
        columns: [
          // SQLite: INTEGER PRIMARY KEY AUTOINCREMENT; PostgreSQL: a bigint identity.
          {
            name: 'sequence',
            type: queryRunner.connection.options.type === 'postgres' ? 'bigint' : 'integer',
            isPrimary: true,
            isGenerated: true,
            generationStrategy: 'increment',
          },
          { name: 'id', type: 'varchar', length: '36', isUnique: true },
          { name: 'type', type: 'varchar', length: '32' },
          { name: 'namespace', type: 'varchar', length: '63' },
          { name: 'name', type: 'varchar', length: '253' },
          { name: 'version', type: 'integer', isNullable: true },
          { name: 'subject', type: 'varchar', length: '320' },
          { name: 'details', type: 'text', isNullable: true },
          { name: 'occurred_at', type: timestampType(queryRunner) },
        ],
      }),
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('lifecycle_events');
  }
}
