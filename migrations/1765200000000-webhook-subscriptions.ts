import { MigrationInterface, QueryRunner, Table, TableColumn, TableForeignKey, TableIndex, TableUnique } from 'typeorm';
import { timestampType } from './column-types.js';

/**
 * Lifecycle webhooks: subscriptions, one delivery per (subscription, event), and a mark on each
 * outbox row once it has been fanned out (the worker claims unmarked rows; rows already there
 * count as fanned out).
 */
export class WebhookSubscriptions1765200000000 implements MigrationInterface {
  name = 'WebhookSubscriptions1765200000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const timestamp = timestampType(queryRunner);
    await queryRunner.createTable(
      new Table({
        name: 'webhook_subscriptions',
        columns: [
          { name: 'id', type: 'varchar', length: '36', isPrimary: true },
          { name: 'url', type: 'varchar', length: '2048' },
          { name: 'event_types', type: 'text' },
          { name: 'namespace', type: 'varchar', length: '63' },
          { name: 'name_pattern', type: 'varchar', length: '253' },
          { name: 'description', type: 'varchar', length: '1024', isNullable: true },
          { name: 'signing_secret', type: 'text', isNullable: true },
          { name: 'expires_at', type: timestamp, isNullable: true },
          { name: 'created_by', type: 'varchar', length: '320' },
          { name: 'created_at', type: timestamp, default: 'CURRENT_TIMESTAMP' },
        ],
      }),
    );
    await queryRunner.createTable(
      new Table({
        name: 'webhook_deliveries',
        columns: [
          { name: 'id', type: 'varchar', length: '36', isPrimary: true },
          { name: 'subscription_id', type: 'varchar', length: '36' },
          { name: 'event_id', type: 'varchar', length: '36' },
          { name: 'event_type', type: 'varchar', length: '32' },
          { name: 'payload', type: 'text' },
          { name: 'state', type: 'varchar', length: '16' },
          { name: 'attempts', type: 'integer' },
          { name: 'next_attempt_at', type: timestamp, isNullable: true },
          { name: 'last_status_code', type: 'integer', isNullable: true },
          { name: 'last_error', type: 'varchar', length: '1024', isNullable: true },
          { name: 'attempt_log', type: 'text' },
          { name: 'delivered_at', type: timestamp, isNullable: true },
          { name: 'created_at', type: timestamp, default: 'CURRENT_TIMESTAMP' },
        ],
        // Fan-out is idempotent: an event reaches one subscription once, however often it is retried.
        uniques: [
          new TableUnique({
            name: 'uq_webhook_deliveries_subscription_event',
            columnNames: ['subscription_id', 'event_id'],
          }),
        ],
      }),
    );
    await queryRunner.createIndex(
      'webhook_deliveries',
      new TableIndex({ name: 'ix_webhook_deliveries_due', columnNames: ['state', 'next_attempt_at'] }),
    );
    await queryRunner.createForeignKey(
      'webhook_deliveries',
      new TableForeignKey({
        name: 'fk_webhook_deliveries_subscription',
        columnNames: ['subscription_id'],
        referencedTableName: 'webhook_subscriptions',
        referencedColumnNames: ['id'],
        onDelete: 'CASCADE',
      }),
    );
    await queryRunner.addColumn(
      'lifecycle_events',
      new TableColumn({ name: 'dispatched_at', type: timestamp, isNullable: true }),
    );
    // Events from before there were subscriptions are history, not news: nobody is sent them.
    await queryRunner.query('UPDATE lifecycle_events SET dispatched_at = occurred_at');
    await queryRunner.createIndex(
      'lifecycle_events',
      new TableIndex({ name: 'ix_lifecycle_events_dispatched', columnNames: ['dispatched_at', 'sequence'] }),
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropIndex('lifecycle_events', 'ix_lifecycle_events_dispatched');
    await queryRunner.dropColumn('lifecycle_events', 'dispatched_at');
    await queryRunner.dropTable('webhook_deliveries');
    await queryRunner.dropTable('webhook_subscriptions');
  }
}
