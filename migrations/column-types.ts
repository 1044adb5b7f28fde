import type { QueryRunner } from 'typeorm';

/** Timestamps keep their zone on PostgreSQL; SQLite stores TypeORM's UTC datetime text. */
export function timestampType(queryRunner: QueryRunner): string {
  return queryRunner.connection.options.type === 'postgres' ? 'timestamptz' : 'datetime';
}
