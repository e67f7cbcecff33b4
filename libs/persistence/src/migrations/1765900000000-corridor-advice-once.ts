import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A crossing is advised at most once per planning period across all corridor
 * recommendations: the unique (corridor, period) key does not say so when a new leader
 * groups the crossings differently (another name), so the store first looks for a
 * recommendation of the period that names any of the crossings
 * (CorridorRecommendationsRepository.store). This index keeps that lookup to one period's rows.
 */
export class CorridorAdviceOnce1765900000000 implements MigrationInterface {
  name = 'CorridorAdviceOnce1765900000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`CREATE INDEX "ix_corridor_recommendations_period" ON "corridor_recommendations" ("planning_period_start")`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX "ix_corridor_recommendations_period"`);
  }
}
