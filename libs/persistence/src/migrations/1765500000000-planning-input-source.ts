import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * What each plan was made from (PlanningInputSource): the city fusion's fused values for
 * the crossing (`fused`), its estimate when the worker's forecast was not usable
 * (`estimate`), or the worker's own forecast as sent (`worker-forecast`, every row planned
 * before fusion fed planning).
 */
export class PlanningInputSource1765500000000 implements MigrationInterface {
  name = 'PlanningInputSource1765500000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    for (const table of ['planning_evaluations', 'recommendations']) {
      await queryRunner.query(`ALTER TABLE "${table}" ADD COLUMN "input_source" varchar(16) NOT NULL DEFAULT 'worker-forecast'`);
      await queryRunner.query(
        `ALTER TABLE "${table}" ADD CONSTRAINT "chk_${table}_input_source" CHECK ("input_source" IN ('fused', 'estimate', 'worker-forecast'))`,
      );
    }
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    for (const table of ['planning_evaluations', 'recommendations']) {
      await queryRunner.query(`ALTER TABLE "${table}" DROP COLUMN "input_source"`);
    }
  }
}
