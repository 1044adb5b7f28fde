import { MigrationInterface, QueryRunner, Table, TableIndex } from 'typeorm';
import { timestampType } from './column-types.js';

/**
 * Just-in-time access: policies (who may ask for which role where, for how long, with how many
 * approvals), requests (never deleted: their history is the record of who held what and why)
 * and their append-only reviews, one per reviewer.
 */
export class AccessRequests1765700200000 implements MigrationInterface {
  name = 'AccessRequests1765700200000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const timestamp = timestampType(queryRunner);
    await queryRunner.createTable(
      new Table({
        name: 'access_policies',
        columns: [
          { name: 'name', type: 'varchar', length: '63', isPrimary: true },
          { name: 'namespace', type: 'varchar', length: '63' },
          { name: 'name_pattern', type: 'varchar', length: '253' },
          { name: 'roles', type: 'text' },
          { name: 'requesters', type: 'text' },
          { name: 'approvals_required', type: 'integer' },
          { name: 'max_duration_seconds', type: 'integer' },
          { name: 'pending_ttl_seconds', type: 'integer' },
          { name: 'require_reason', type: 'boolean', default: false },
          { name: 'break_glass_subjects', type: 'text', isNullable: true },
          { name: 'break_glass_max_duration_seconds', type: 'integer', isNullable: true },
          { name: 'created_by', type: 'varchar', length: '320' },
          { name: 'created_at', type: timestamp },
          { name: 'updated_at', type: timestamp },
        ],
      }),
    );
    await queryRunner.createTable(
      new Table({
        name: 'access_requests',
        columns: [
          { name: 'id', type: 'varchar', length: '36', isPrimary: true },
          { name: 'policy_name', type: 'varchar', length: '63' },
          { name: 'requester', type: 'varchar', length: '320' },
          { name: 'requester_subjects', type: 'text' },
          { name: 'namespace', type: 'varchar', length: '63' },
          { name: 'name_pattern', type: 'varchar', length: '253' },
          { name: 'role', type: 'varchar', length: '63' },
          { name: 'duration_seconds', type: 'integer' },
          { name: 'reason', type: 'varchar', length: '1024', isNullable: true },
          { name: 'start_at', type: timestamp, isNullable: true },
          { name: 'break_glass', type: 'boolean', default: false },
          { name: 'state', type: 'varchar', length: '16' },
          { name: 'approvals_required', type: 'integer' },
          { name: 'created_at', type: timestamp },
          { name: 'expires_at', type: timestamp },
          { name: 'resolved_at', type: timestamp, isNullable: true },
          { name: 'resolved_by', type: 'varchar', length: '320', isNullable: true },
          { name: 'resolution_reason', type: 'varchar', length: '1024', isNullable: true },
          { name: 'grant_id', type: 'varchar', length: '36', isNullable: true },
          { name: 'grant_not_before', type: timestamp, isNullable: true },
          { name: 'grant_expires_at', type: timestamp, isNullable: true },
          { name: 'revoked_at', type: timestamp, isNullable: true },
          { name: 'revoked_by', type: 'varchar', length: '320', isNullable: true },
          { name: 'revoke_reason', type: 'varchar', length: '1024', isNullable: true },
          { name: 'post_review_outcome', type: 'varchar', length: '16', isNullable: true },
          { name: 'post_reviewed_by', type: 'varchar', length: '320', isNullable: true },
          { name: 'post_reviewed_at', type: timestamp, isNullable: true },
          { name: 'post_review_reason', type: 'varchar', length: '1024', isNullable: true },
        ],
      }),
    );
    // The sweeper looks for pending requests past their deadline; listings go newest first.
    await queryRunner.createIndex(
      'access_requests',
      new TableIndex({ name: 'idx_access_requests_state_expires', columnNames: ['state', 'expires_at'] }),
    );
    await queryRunner.createIndex(
      'access_requests',
      new TableIndex({ name: 'idx_access_requests_created', columnNames: ['created_at', 'id'] }),
    );
    await queryRunner.createIndex(
      'access_requests',
      new TableIndex({ name: 'idx_access_requests_requester', columnNames: ['requester'] }),
    );
    await queryRunner.createTable(
      new Table({
        name: 'access_request_reviews',
        columns: [
          { name: 'id', type: 'varchar', length: '36', isPrimary: true },
          { name: 'request_id', type: 'varchar', length: '36' },
          { name: 'reviewer', type: 'varchar', length: '320' },
          { name: 'reviewer_subjects', type: 'text' },
          { name: 'decision', type: 'varchar', length: '8' },
          { name: 'reason', type: 'varchar', length: '1024', isNullable: true },
          { name: 'max_duration_seconds', type: 'integer', isNullable: true },
          { name: 'created_at', type: timestamp },
        ],
        foreignKeys: [
          { columnNames: ['request_id'], referencedTableName: 'access_requests', referencedColumnNames: ['id'] },
        ],
      }),
    );
    // One review per reviewer and request: a second one is a conflict, whatever the race.
    await queryRunner.createIndex(
      'access_request_reviews',
      new TableIndex({
        name: 'uq_access_request_reviews_reviewer',
        columnNames: ['request_id', 'reviewer'],
        isUnique: true,
      }),
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('access_request_reviews');
    await queryRunner.dropTable('access_requests');
    await queryRunner.dropTable('access_policies');
  }
}
