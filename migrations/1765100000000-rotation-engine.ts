import { MigrationInterface, QueryRunner, TableColumn, TableIndex } from 'typeorm';
import { timestampType } from './column-types.js';

/**
 * State of the rotation engine on each secret: when its next scheduled rotation is due (and how
 * many scheduled attempts failed in a row), when a two-phase grace period ends, and drift.
 */
export class RotationEngine1765100000000 implements MigrationInterface {
  name = 'RotationEngine1765100000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const timestamp = timestampType(queryRunner);
    await queryRunner.addColumns('secrets', [
      new TableColumn({ name: 'next_rotation_at', type: timestamp, isNullable: true }),
      new TableColumn({ name: 'rotation_failures', type: 'integer', default: 0 }),
      new TableColumn({ name: 'grace_ends_at', type: timestamp, isNullable: true }),
      new TableColumn({ name: 'drifted_at', type: timestamp, isNullable: true }),
      new TableColumn({ name: 'drifted_keys', type: 'text', isNullable: true }),
    ]);
    await queryRunner.createIndex(
      'secrets',
      new TableIndex({ name: 'idx_secrets_next_rotation_at', columnNames: ['next_rotation_at'] }),
    );
    await queryRunner.createIndex(
      'secrets',
      new TableIndex({ name: 'idx_secrets_grace_ends_at', columnNames: ['grace_ends_at'] }),
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropIndex('secrets', 'idx_secrets_grace_ends_at');
    await queryRunner.dropIndex('secrets', 'idx_secrets_next_rotation_at');
    for (const column of ['drifted_keys', 'drifted_at', 'grace_ends_at', 'rotation_failures', 'next_rotation_at']) {
      await queryRunner.dropColumn('secrets', column);
    }
  }
}
