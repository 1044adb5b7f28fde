import { MigrationInterface, QueryRunner } from 'typeorm';

/** A grant may cap the lifetime of the leases it allows (`maxLeaseTtlSeconds`; null: no cap). */
export class GrantLeaseTtlCap1765300100000 implements MigrationInterface {
  name = 'GrantLeaseTtlCap1765300100000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('ALTER TABLE grants ADD COLUMN max_lease_ttl_seconds integer NULL');
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('ALTER TABLE grants DROP COLUMN max_lease_ttl_seconds');
  }
}
