import { randomUUID } from 'node:crypto';
import { MigrationInterface, QueryRunner } from 'typeorm';

// What a per-secret webhook of a rotation policy was for: the events of that secret.
const SECRET_EVENT_TYPES = [
  'secret.created',
  'secret.updated',
  'secret.rotated',
  'secret.rolled_back',
  'secret.revoked',
  'secret.drifted',
  'rotation.failed',
];
const MIGRATED_BY = 'system:migration';

interface PolicyRow {
  id: string;
  namespace: string;
  name: string;
  rotation_policy: string;
}

/**
 * The `webhooks` URLs stored in rotation policies become subscriptions, one per (secret, URL),
 * for that secret's events; the field is then removed from the stored policies. The signing
 * secrets are sealed by the broker at start (a migration does not hold the key-encryption key);
 * the owner learns one by rotating it (POST /v1/webhooks/{id}/signing-secret).
 */
export class RotationPolicyWebhooks1765200100000 implements MigrationInterface {
  name = 'RotationPolicyWebhooks1765200100000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const postgres = queryRunner.connection.options.type === 'postgres';
    const placeholders = (count: number) =>
      Array.from({ length: count }, (_, index) => (postgres ? `$${index + 1}` : '?')).join(', ');
    const rows = (await queryRunner.query(
      `SELECT id, namespace, name, rotation_policy FROM secrets WHERE rotation_policy LIKE '%"webhooks"%'`,
    )) as PolicyRow[];
    for (const row of rows) {
      const policy = JSON.parse(row.rotation_policy) as { webhooks?: unknown } & Record<string, unknown>;
      const urls = Array.isArray(policy.webhooks) ? [...new Set(policy.webhooks.map(String))] : [];
      for (const url of urls) {
        await queryRunner.query(
          `INSERT INTO webhook_subscriptions (id, url, event_types, namespace, name_pattern, description, created_by) VALUES (${placeholders(7)})`,
          [
            randomUUID(),
            url,
            JSON.stringify(SECRET_EVENT_TYPES),
            row.namespace,
            row.name,
            `From the rotation policy of ${row.namespace}/${row.name}`,
            MIGRATED_BY,
          ],
        );
      }
      const rest = { ...policy };
      delete rest.webhooks;
      await queryRunner.query(
        `UPDATE secrets SET rotation_policy = ${postgres ? '$1' : '?'} WHERE id = ${postgres ? '$2' : '?'}`,
        [JSON.stringify(rest), row.id],
      );
    }
  }

  /** The subscriptions stay: they may have been changed since, and deleting them would lose that. */
  async down(): Promise<void> {}
}
