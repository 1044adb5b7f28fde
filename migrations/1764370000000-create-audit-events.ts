import { MigrationInterface, QueryRunner, Table, TableIndex } from 'typeorm';
import { timestampType } from './column-types.js';

/**
 * The audit trail: one append-only hash chain. `id` is assigned by the writer as
 * head + 1 under the chain lock, so it is both the chain position and the pagination cursor.
 */
export class CreateAuditEvents1764370000000 implements MigrationInterface {
  name = 'CreateAuditEvents1764370000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    // SQLite: INTEGER PRIMARY KEY makes id the rowid (no second B-tree); both hold 64-bit values.
    const bigint = queryRunner.connection.options.type === 'postgres' ? 'bigint' : 'integer';
    await queryRunner.createTable(
      new Table({
        name: 'audit_events',
        columns: [
          { name: 'id', type: bigint, isPrimary: true },
          { name: 'time', type: timestampType(queryRunner) },
          { name: 'request_id', type: 'varchar', length: '128' },
          { name: 'subject', type: 'varchar', length: '320' },
          { name: 'action', type: 'varchar', length: '64' },
          { name: 'outcome', type: 'varchar', length: '16' },
          { name: 'namespace', type: 'varchar', length: '63', isNullable: true },
          { name: 'name', type: 'varchar', length: '253', isNullable: true },
          { name: 'version', type: 'integer', isNullable: true },
          { name: 'matched_grants', type: 'text' },
          { name: 'reason', type: 'varchar', length: '1024', isNullable: true },
          { name: 'source_ip', type: 'varchar', length: '64', isNullable: true },
          { name: 'user_agent', type: 'varchar', length: '512', isNullable: true },
          { name: 'latency_ms', type: 'double precision', isNullable: true },
          { name: 'intent_id', type: bigint, isNullable: true },
          { name: 'details', type: 'text', isNullable: true },
          { name: 'prev_hash', type: 'varchar', length: '64' },
          { name: 'hash', type: 'varchar', length: '64' },
        ],
      }),
    );
    // Each filter of GET /v1/audit-events, with id last so newest-first pages read in index order.
    const indexes: Array<[string, string[]]> = [
      ['idx_audit_events_namespace_name_id', ['namespace', 'name', 'id']],
      ['idx_audit_events_subject_id', ['subject', 'id']],
      ['idx_audit_events_action_id', ['action', 'id']],
      ['idx_audit_events_outcome_id', ['outcome', 'id']],
      ['idx_audit_events_time', ['time']],
      // Reconciliation looks for intents that no outcome references.
      ['idx_audit_events_intent_id', ['intent_id']],
    ];
    for (const [name, columnNames] of indexes) {
      await queryRunner.createIndex('audit_events', new TableIndex({ name, columnNames }));
    }
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('audit_events');
  }
}
