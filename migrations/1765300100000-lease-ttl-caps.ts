import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A grant or a role may cap the lifetime of the leases it allows (`max_lease_ttl_seconds`; null:
 * no cap). A grant's effective cap is the lower of its own and its role's.
 */
export class LeaseTtlCaps1765300100000 implements MigrationInterface {
  name = 'LeaseTtlCaps1765300100000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('ALTER TABLE grants ADD COLUMN max_lease_ttl_seconds integer NULL');
    await queryRunner.query('ALTER TABLE roles ADD COLUMN max_lease_ttl_seconds integer NULL');
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('ALTER TABLE roles DROP COLUMN max_lease_ttl_seconds');
    await queryRunner.query('ALTER TABLE grants DROP COLUMN max_lease_ttl_seconds');
  }
}
