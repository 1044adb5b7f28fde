import { MigrationInterface, QueryRunner } from 'typeorm';
import { timestampType } from './column-types.js';

/**
 * A grant may start later than it is made (`not_before`; null: at once) and may say what made it
 * (`source_kind`, `source_id`; null: an administrator, by hand), e.g. an approved access request.
 */
export class GrantStartAndSource1765700100000 implements MigrationInterface {
  name = 'GrantStartAndSource1765700100000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE grants ADD COLUMN not_before ${timestampType(queryRunner)} NULL`);
    await queryRunner.query('ALTER TABLE grants ADD COLUMN source_kind varchar(32) NULL');
    await queryRunner.query('ALTER TABLE grants ADD COLUMN source_id varchar(36) NULL');
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('ALTER TABLE grants DROP COLUMN source_id');
    await queryRunner.query('ALTER TABLE grants DROP COLUMN source_kind');
    await queryRunner.query('ALTER TABLE grants DROP COLUMN not_before');
  }
}
