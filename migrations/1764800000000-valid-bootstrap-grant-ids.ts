import { MigrationInterface, QueryRunner } from 'typeorm';
import { bootstrapGrantId } from '../src/grants/bootstrap-grant-id.js';

/**
 * Bootstrap admin grants used to get ids that were not valid UUIDs, so `GET`/`DELETE
 * /v1/grants/{id}` refused them. Give each its name-based UUID (what new starts insert).
 */
export class ValidBootstrapGrantIds1764800000000 implements MigrationInterface {
  name = 'ValidBootstrapGrantIds1764800000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const rows = (await queryRunner.query(
      `SELECT id, subject FROM grants WHERE created_by = 'system:bootstrap'`,
    )) as Array<{ id: string; subject: string }>;
    for (const row of rows) {
      const id = bootstrapGrantId(row.subject);
      if (id === row.id) continue;
      // A replica that started on the new code first may already have inserted the new id.
      await queryRunner.manager.createQueryBuilder().delete().from('grants').where('id = :id', { id }).execute();
      await queryRunner.manager
        .createQueryBuilder()
        .update('grants')
        .set({ id })
        .where('id = :old', { old: row.id })
        .execute();
    }
  }

  async down(): Promise<void> {
    // The old ids were invalid; nothing to restore.
  }
}
