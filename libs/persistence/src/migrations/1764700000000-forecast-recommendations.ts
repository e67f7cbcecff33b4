import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Forecast-driven recommendations with hysteresis and automatic mode:
 * - `recommendations` gains the planner's result (basis, expected delays, gain, congestion,
 *   reason, the forecast message it came from, the plan it was judged against), a status
 *   (pending → accepted / rejected / superseded / expired / applied-automatically) and its
 *   planning period, unique per crossing: at most one recommendation per period.
 * - `planning_evaluations`: one row per crossing and planning period, also when the gain
 *   was too small (the explanation trail, and the idempotency key under redelivery).
 * - `crossings.automatic_*`: automatic mode per crossing.
 * - decisions by automatic mode have no user row: `decided_by_user_id` may be null only
 *   when `decided_by_role` is 'automatic'.
 * Rows made before this migration keep their plan; decided ones take their decision as
 * status, the others are expired; their period is their based-on interval.
 */
export class ForecastRecommendations1764700000000 implements MigrationInterface {
  name = 'ForecastRecommendations1764700000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      ALTER TABLE "recommendations"
        ADD COLUMN "planning_period_start" timestamptz,
        ADD COLUMN "valid_until" timestamptz,
        ADD COLUMN "status" varchar(24) NOT NULL DEFAULT 'pending',
        ADD COLUMN "status_changed_at" timestamptz,
        ADD COLUMN "basis" varchar(8),
        ADD COLUMN "expected_delay_running_seconds" real,
        ADD COLUMN "expected_delay_recommended_seconds" real,
        ADD COLUMN "gain_seconds" real,
        ADD COLUMN "gain_share" real,
        ADD COLUMN "congested" boolean,
        ADD COLUMN "reason" text,
        ADD COLUMN "forecast_message_id" varchar(96),
        ADD COLUMN "compared_with" jsonb,
        ADD COLUMN "automatic" jsonb`);
    await queryRunner.query(`UPDATE "recommendations" SET "planning_period_start" = "based_on_interval_start"`);
    await queryRunner.query(`UPDATE "recommendations" r SET "status" = d."decision", "status_changed_at" = d."decided_at" FROM "recommendation_decisions" d WHERE d."recommendation_id" = r."id"`);
    await queryRunner.query(`UPDATE "recommendations" SET "status" = 'expired' WHERE "status" = 'pending'`);
    await queryRunner.query(`UPDATE "recommendations" r SET "forecast_message_id" = f."message_id" FROM "forecasts" f WHERE f."id" = r."forecast_id"`);
    await queryRunner.query(`ALTER TABLE "recommendations" ALTER COLUMN "planning_period_start" SET NOT NULL`);
    await queryRunner.query(`ALTER TABLE "recommendations" ADD CONSTRAINT "uq_recommendations_crossing_period" UNIQUE ("crossing_id", "planning_period_start")`);
    await queryRunner.query(
      `ALTER TABLE "recommendations" ADD CONSTRAINT "ck_recommendations_status" CHECK ("status" IN ('pending', 'accepted', 'rejected', 'superseded', 'expired', 'applied-automatically'))`,
    );
    await queryRunner.query(`CREATE INDEX "ix_recommendations_pending" ON "recommendations" ("crossing_id") WHERE "status" = 'pending'`);
    await queryRunner.query(`CREATE INDEX "ix_recommendations_status_period" ON "recommendations" ("status", "planning_period_start")`);

    await queryRunner.query(`
      CREATE TABLE "planning_evaluations" (
        "crossing_id" varchar(32) NOT NULL,
        "planning_period_start" timestamptz NOT NULL,
        "based_on_interval_start" timestamptz NOT NULL,
        "forecast_id" bigint,
        "forecast_message_id" varchar(96) NOT NULL,
        "outcome" varchar(16) NOT NULL,
        "gain_seconds" real NOT NULL,
        "gain_share" real NOT NULL,
        "expected_delay_running_seconds" real NOT NULL,
        "expected_delay_recommended_seconds" real NOT NULL,
        "basis" varchar(8) NOT NULL,
        "congested" boolean NOT NULL,
        "reason" text NOT NULL,
        "recommendation_id" bigint,
        "evaluated_at" timestamptz NOT NULL,
        CONSTRAINT "pk_planning_evaluations" PRIMARY KEY ("crossing_id", "planning_period_start"),
        CONSTRAINT "ck_planning_evaluations_outcome" CHECK ("outcome" IN ('recommended', 'not-needed')),
        CONSTRAINT "fk_planning_evaluations_crossing" FOREIGN KEY ("crossing_id") REFERENCES "crossings"("id") ON DELETE CASCADE,
        CONSTRAINT "fk_planning_evaluations_recommendation" FOREIGN KEY ("recommendation_id") REFERENCES "recommendations"("id") ON DELETE SET NULL
      )`);

    await queryRunner.query(`ALTER TABLE "crossings" ADD COLUMN "automatic_enabled" boolean NOT NULL DEFAULT false`);
    await queryRunner.query(`ALTER TABLE "crossings" ADD COLUMN "automatic_updated_by" varchar(64)`);
    await queryRunner.query(`ALTER TABLE "crossings" ADD COLUMN "automatic_updated_at" timestamptz`);

    await queryRunner.query(`ALTER TABLE "recommendation_decisions" ALTER COLUMN "decided_by_user_id" DROP NOT NULL`);
    await queryRunner.query(
      `ALTER TABLE "recommendation_decisions" ADD CONSTRAINT "ck_recommendation_decisions_decider" CHECK ("decided_by_user_id" IS NOT NULL OR "decided_by_role" = 'automatic')`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DELETE FROM "recommendation_decisions" WHERE "decided_by_user_id" IS NULL`);
    await queryRunner.query(`ALTER TABLE "recommendation_decisions" DROP CONSTRAINT "ck_recommendation_decisions_decider"`);
    await queryRunner.query(`ALTER TABLE "recommendation_decisions" ALTER COLUMN "decided_by_user_id" SET NOT NULL`);
    for (const column of ['automatic_updated_at', 'automatic_updated_by', 'automatic_enabled']) {
      await queryRunner.query(`ALTER TABLE "crossings" DROP COLUMN IF EXISTS "${column}"`);
    }
    await queryRunner.query(`DROP TABLE IF EXISTS "planning_evaluations"`);
    await queryRunner.query(`DROP INDEX IF EXISTS "ix_recommendations_status_period"`);
    await queryRunner.query(`DROP INDEX IF EXISTS "ix_recommendations_pending"`);
    await queryRunner.query(`ALTER TABLE "recommendations" DROP CONSTRAINT IF EXISTS "ck_recommendations_status"`);
    await queryRunner.query(`ALTER TABLE "recommendations" DROP CONSTRAINT IF EXISTS "uq_recommendations_crossing_period"`);
    for (const column of [
      'automatic', 'compared_with', 'forecast_message_id', 'reason', 'congested', 'gain_share', 'gain_seconds',
      'expected_delay_recommended_seconds', 'expected_delay_running_seconds', 'basis', 'status_changed_at', 'status', 'valid_until', 'planning_period_start',
    ]) {
      await queryRunner.query(`ALTER TABLE "recommendations" DROP COLUMN IF EXISTS "${column}"`);
    }
  }
}
