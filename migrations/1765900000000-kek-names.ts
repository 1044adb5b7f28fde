import { MigrationInterface, QueryRunner, Table } from 'typeorm';
import { timestampType } from './column-types.js';

/**
 * The operator's name for each key-encryption key the broker has been configured with, by the
 * id stored beside what it wraps (a hash of the key), so a key that is missing is reported by
 * the name it was configured under.
 */
export class KekNames1765900000000 implements MigrationInterface {
  name = 'KekNames1765900000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.createTable(
      new Table({
        name: 'kek_names',
        columns: [
          { name: 'kek_id', type: 'varchar', length: '32', isPrimary: true },
          { name: 'name', type: 'varchar', length: '64' },
          { name: 'recorded_at', type: timestampType(queryRunner) },
        ],
      }),
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('kek_names');
  }
}
