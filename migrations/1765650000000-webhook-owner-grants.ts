import { MigrationInterface, QueryRunner } from 'typeorm';
import { timestampType } from './column-types.js';

/**
 * A webhook subscription is re-checked against its owner's grants at every dispatch: the owner's
 * subjects (user and groups, as they authenticated when subscribing; null for older rows: the
 * creator alone) and, once the grants no longer cover it, when and why it was suspended.
 */
export class WebhookOwnerGrants1765650000000 implements MigrationInterface {
  name = 'WebhookOwnerGrants1765650000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('ALTER TABLE webhook_subscriptions ADD COLUMN owner_subjects text NULL');
    await queryRunner.query(
      `ALTER TABLE webhook_subscriptions ADD COLUMN suspended_at ${timestampType(queryRunner)} NULL`,
    );
    await queryRunner.query('ALTER TABLE webhook_subscriptions ADD COLUMN suspended_reason varchar(256) NULL');
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('ALTER TABLE webhook_subscriptions DROP COLUMN suspended_reason');
    await queryRunner.query('ALTER TABLE webhook_subscriptions DROP COLUMN suspended_at');
    await queryRunner.query('ALTER TABLE webhook_subscriptions DROP COLUMN owner_subjects');
  }
}
