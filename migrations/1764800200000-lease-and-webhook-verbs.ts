import { MigrationInterface, QueryRunner } from 'typeorm';

// The built-in admin role holds every verb, so it gains the two new ones.
const ADMIN_VERBS = [
  'read',
  'list',
  'create',
  'update',
  'rotate',
  'rollback',
  'revoke',
  'lease',
  'audit:read',
  'grants:manage',
  'webhooks:manage',
];
const PREVIOUS_ADMIN_VERBS = [
  'read',
  'list',
  'create',
  'update',
  'rotate',
  'rollback',
  'revoke',
  'audit:read',
  'grants:manage',
];

/** New verbs `lease` (short-lived ServiceAccount tokens) and `webhooks:manage` (lifecycle webhooks). */
export class LeaseAndWebhookVerbs1764800200000 implements MigrationInterface {
  name = 'LeaseAndWebhookVerbs1764800200000';

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
