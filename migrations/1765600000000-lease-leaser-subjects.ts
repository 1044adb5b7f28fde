import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Who a lease was issued to, with the groups it held then (`leaser_subjects`, JSON), so the
 * sweeper can tell when the grants that allowed the lease are gone. Null on older rows: the
 * leaser's own subject alone is checked.
 */
export class LeaseLeaserSubjects1765600000000 implements MigrationInterface {
  name = 'LeaseLeaserSubjects1765600000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('ALTER TABLE leases ADD COLUMN leaser_subjects text NULL');
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('ALTER TABLE leases DROP COLUMN leaser_subjects');
  }
}
