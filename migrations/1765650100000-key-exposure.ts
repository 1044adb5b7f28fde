import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The key-encryption keys each stored root has ever been wrapped by (JSON list of KEK ids; null
 * for rows from before: filled at the next start). When one of them is no longer configured (a
 * retired KEK), its holder could still open the root from an old backup, so the audit chain
 * moves to a new key epoch.
 */
export class KeyExposure1765650100000 implements MigrationInterface {
  name = 'KeyExposure1765650100000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('ALTER TABLE key_material ADD COLUMN exposed_kek_ids text NULL');
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('ALTER TABLE key_material DROP COLUMN exposed_kek_ids');
  }
}
