import { MigrationInterface, QueryRunner } from 'typeorm';

// The built-in admin role holds every verb, so it gains `approve`.
const ADMIN_VERBS = [
  'read',
  'list',
  'create',
  'update',
  'rotate',
  'rollback',
  'revoke',
  'lease',
  'approve',
  'audit:read',
  'grants:manage',
  'webhooks:manage',
];
const PREVIOUS_ADMIN_VERBS = ADMIN_VERBS.filter((verb) => verb !== 'approve');

/** New verb `approve`: reviewing other subjects' access requests over a scope. */
export class ApproveVerb1765700000000 implements MigrationInterface {
  name = 'ApproveVerb1765700000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await setAdminVerbs(queryRunner, ADMIN_VERBS);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await setAdminVerbs(queryRunner, PREVIOUS_ADMIN_VERBS);
  }
}

// Static literals (no caller input), so one statement serves both databases' placeholder styles.
function setAdminVerbs(queryRunner: QueryRunner, verbs: string[]): Promise<unknown> {
  return queryRunner.query(
    `UPDATE roles SET verbs = '${JSON.stringify(verbs)}', description = 'Built-in role: ${verbs.join(', ')}' WHERE name = 'admin'`,
  );
}
