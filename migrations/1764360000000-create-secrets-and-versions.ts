import { MigrationInterface, QueryRunner, Table, TableForeignKey, TableIndex, TableUnique } from 'typeorm';
import { timestampType } from './column-types.js';

export class CreateSecretsAndVersions1764360000000 implements MigrationInterface {
  name = 'CreateSecretsAndVersions1764360000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const timestamp = timestampType(queryRunner);
    await queryRunner.createTable(
      new Table({
        name: 'secrets',
        columns: [
          { name: 'id', type: 'varchar', length: '36', isPrimary: true },
          { name: 'namespace', type: 'varchar', length: '63' },
          { name: 'name', type: 'varchar', length: '253' },
          { name: 'state', type: 'varchar', length: '16' },
          { name: 'type', type: 'varchar', length: '128' },
          { name: 'current_version', type: 'integer', isNullable: true },
          { name: 'rotation_policy', type: 'text', isNullable: true },
          { name: 'revoked_at', type: timestamp, isNullable: true },
          { name: 'revoked_by', type: 'varchar', length: '320', isNullable: true },
          { name: 'revoke_reason', type: 'varchar', length: '1024', isNullable: true },
          { name: 'created_at', type: timestamp, default: 'CURRENT_TIMESTAMP' },
          { name: 'updated_at', type: timestamp, default: 'CURRENT_TIMESTAMP' },
        ],
        uniques: [new TableUnique({ name: 'uq_secrets_namespace_name', columnNames: ['namespace', 'name'] })],
      }),
    );
    await queryRunner.createTable(
      new Table({
        name: 'secret_versions',
        columns: [
          { name: 'id', type: 'varchar', length: '36', isPrimary: true },
          { name: 'secret_id', type: 'varchar', length: '36' },
          { name: 'version', type: 'integer' },
          { name: 'state', type: 'varchar', length: '16' },
          { name: 'reason', type: 'varchar', length: '16' },
          { name: 'source_version', type: 'integer', isNullable: true },
          { name: 'created_by', type: 'varchar', length: '320' },
          { name: 'note', type: 'varchar', length: '1024', isNullable: true },
          { name: 'fingerprints', type: 'text' },
          { name: 'kek_id', type: 'varchar', length: '32', isNullable: true },
          { name: 'wrapped_data_key', type: 'text', isNullable: true },
          { name: 'ciphertext', type: 'text', isNullable: true },
          { name: 'created_at', type: timestamp, default: 'CURRENT_TIMESTAMP' },
        ],
        // Two writers computing the same next version number collide here: one wins, one gets 409.
        uniques: [
          new TableUnique({ name: 'uq_secret_versions_secret_version', columnNames: ['secret_id', 'version'] }),
        ],
      }),
    );
    // Pending versions are looked up at start for reconciliation.
    await queryRunner.createIndex(
      'secret_versions',
      new TableIndex({ name: 'idx_secret_versions_state', columnNames: ['state'] }),
    );
    await queryRunner.createForeignKey(
      'secret_versions',
      new TableForeignKey({
        name: 'fk_secret_versions_secret',
        columnNames: ['secret_id'],
        referencedTableName: 'secrets',
        referencedColumnNames: ['id'],
        onDelete: 'CASCADE',
      }),
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('secret_versions');
    await queryRunner.dropTable('secrets');
  }
}
