import { MigrationInterface, QueryRunner } from 'typeorm';

/** The drift each worker reports in its heartbeat (recent error against validation error). */
export class WorkerDrift1764400000000 implements MigrationInterface {
  name = 'WorkerDrift1764400000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "crossing_status" ADD COLUMN "drift" jsonb`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "crossing_status" DROP COLUMN "drift"`);
  }
}
