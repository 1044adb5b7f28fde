import { MigrationInterface, QueryRunner, Table } from 'typeorm';

/**
 * One row per in-memory cache that replicas keep of the database: a version bumped in the
 * transaction of every change the cache stands for, so a replica can tell that it missed one.
 * `grants_and_roles` versions the grant cache (every grant and role change).
 */
export class CacheVersions1764900000000 implements MigrationInterface {
  name = 'CacheVersions1764900000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.createTable(
      new Table({
        name: 'cache_versions',
        columns: [
          { name: 'name', type: 'varchar', length: '63', isPrimary: true },
          { name: 'version', type: 'bigint', default: 0 },
        ],
      }),
    );
    await queryRunner.query(`INSERT INTO cache_versions (name, version) VALUES ('grants_and_roles', 0)`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('cache_versions');
  }
}
