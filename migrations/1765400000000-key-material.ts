import { MigrationInterface, QueryRunner, Table } from 'typeorm';
import { timestampType } from './column-types.js';

/**
 * Keys the broker keeps wrapped by a key-encryption key: the root its derived keys (fingerprints,
 * cursors, audit chain and checkpoints) come from, so those survive a KEK rotation.
 */
export class KeyMaterial1765400000000 implements MigrationInterface {
  name = 'KeyMaterial1765400000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.createTable(
      new Table({
        name: 'key_material',
        columns: [
          { name: 'name', type: 'varchar', length: '63', isPrimary: true },
          { name: 'kek_id', type: 'varchar', length: '32' },
          { name: 'wrapped_key', type: 'text' },
          { name: 'updated_at', type: timestampType(queryRunner) },
        ],
      }),
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('key_material');
  }
}
