import { MigrationInterface, QueryRunner, TableColumn } from 'typeorm';

/**
 * Fingerprints become per secret (the same value in two secrets no longer matches). Existing rows
 * are scheme 1 (one broker-wide key); the broker re-keys them to scheme 2 at start, because only
 * it holds the key-encryption key the new fingerprints derive from.
 */
export class PerSecretFingerprints1764800100000 implements MigrationInterface {
  name = 'PerSecretFingerprints1764800100000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.addColumn(
      'secret_versions',
      new TableColumn({ name: 'fingerprint_scheme', type: 'integer', default: 1 }),
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropColumn('secret_versions', 'fingerprint_scheme');
  }
}
