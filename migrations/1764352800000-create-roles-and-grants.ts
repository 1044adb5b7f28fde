import { MigrationInterface, QueryRunner, Table, TableForeignKey, TableIndex } from 'typeorm';
import { timestampType } from './column-types.js';

// The built-in roles as of this migration; later changes need a migration of their own.
const ALL_VERBS = ['read', 'list', 'create', 'update', 'rotate', 'rollback', 'revoke', 'audit:read', 'grants:manage'];
const BUILT_IN_ROLES: Record<string, string[]> = {
  reader: ['read', 'list'],
  rotator: ['read', 'list', 'rotate', 'rollback'],
  editor: ['read', 'list', 'rotate', 'rollback', 'create', 'update', 'revoke'],
  auditor: ['audit:read', 'list'],
  admin: ALL_VERBS,
};

export class CreateRolesAndGrants1764352800000 implements MigrationInterface {
  name = 'CreateRolesAndGrants1764352800000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const timestamp = timestampType(queryRunner);
    await queryRunner.createTable(
      new Table({
        name: 'roles',
        columns: [
          { name: 'name', type: 'varchar', length: '63', isPrimary: true },
          { name: 'verbs', type: 'text' },
          { name: 'built_in', type: 'boolean', default: false },
          { name: 'description', type: 'varchar', length: '1024', isNullable: true },
          { name: 'created_at', type: timestamp, default: 'CURRENT_TIMESTAMP' },
        ],
      }),
    );
    await queryRunner.createTable(
      new Table({
        name: 'grants',
        columns: [
          { name: 'id', type: 'varchar', length: '36', isPrimary: true },
          { name: 'subject', type: 'varchar', length: '320' },
          { name: 'role_name', type: 'varchar', length: '63' },
          { name: 'namespace', type: 'varchar', length: '63' },
          { name: 'name_pattern', type: 'varchar', length: '253' },
          { name: 'expires_at', type: timestamp, isNullable: true },
          { name: 'reason', type: 'varchar', length: '1024', isNullable: true },
          { name: 'created_by', type: 'varchar', length: '320' },
          { name: 'created_at', type: timestamp, default: 'CURRENT_TIMESTAMP' },
        ],
      }),
    );
    // Decisions look grants up by subject; list filters by namespace and role.
    await queryRunner.createIndex('grants', new TableIndex({ name: 'idx_grants_subject', columnNames: ['subject'] }));
    await queryRunner.createIndex(
      'grants',
      new TableIndex({ name: 'idx_grants_namespace', columnNames: ['namespace'] }),
    );
    await queryRunner.createIndex('grants', new TableIndex({ name: 'idx_grants_role', columnNames: ['role_name'] }));
    await queryRunner.createForeignKey(
      'grants',
      new TableForeignKey({
        name: 'fk_grants_role',
        columnNames: ['role_name'],
        referencedTableName: 'roles',
        referencedColumnNames: ['name'],
        onDelete: 'RESTRICT',
      }),
    );
    // Static literals (no caller input), so one statement serves both databases' placeholder styles.
    for (const [name, verbs] of Object.entries(BUILT_IN_ROLES)) {
      await queryRunner.query(
        `INSERT INTO roles (name, verbs, built_in, description) VALUES ('${name}', '${JSON.stringify(verbs)}', TRUE, 'Built-in role: ${verbs.join(', ')}')`,
      );
    }
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('grants');
    await queryRunner.dropTable('roles');
  }
}
