import { MigrationInterface, QueryRunner, Table, TableIndex } from 'typeorm';
import { timestampType } from './column-types.js';

/**
 * Leases of ServiceAccount tokens: who leased which ServiceAccount, for which audiences, until
 * when, and the owner object the token is bound to. The token itself is never stored, only its
 * SHA-256 fingerprint.
 */
export class Leases1765300000000 implements MigrationInterface {
  name = 'Leases1765300000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const timestamp = timestampType(queryRunner);
    await queryRunner.createTable(
      new Table({
        name: 'leases',
        columns: [
          { name: 'id', type: 'varchar', length: '36', isPrimary: true },
          { name: 'subject', type: 'varchar', length: '320' },
          { name: 'namespace', type: 'varchar', length: '63' },
          { name: 'service_account', type: 'varchar', length: '253' },
          { name: 'audiences', type: 'text' },
          { name: 'reason', type: 'varchar', length: '1024', isNullable: true },
          { name: 'state', type: 'varchar', length: '16' },
          { name: 'owner_name', type: 'varchar', length: '253' },
          { name: 'owner_uid', type: 'varchar', length: '64', isNullable: true },
          { name: 'token_fingerprint', type: 'varchar', length: '64', isNullable: true },
          { name: 'created_at', type: timestamp },
          { name: 'expires_at', type: timestamp },
          { name: 'token_expires_at', type: timestamp, isNullable: true },
          { name: 'ended_at', type: timestamp, isNullable: true },
          { name: 'ended_by', type: 'varchar', length: '320', isNullable: true },
          { name: 'claimed_by', type: 'varchar', length: '36', isNullable: true },
          { name: 'claimed_at', type: timestamp, isNullable: true },
        ],
      }),
    );
    // The sweeper looks for live leases past their expiry; listings go newest first, often by subject.
    await queryRunner.createIndex(
      'leases',
      new TableIndex({ name: 'idx_leases_state_expires', columnNames: ['state', 'expires_at'] }),
    );
    await queryRunner.createIndex(
      'leases',
      new TableIndex({ name: 'idx_leases_created', columnNames: ['created_at', 'id'] }),
    );
    await queryRunner.createIndex('leases', new TableIndex({ name: 'idx_leases_subject', columnNames: ['subject'] }));
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('leases');
  }
}
