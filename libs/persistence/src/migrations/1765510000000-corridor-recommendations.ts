import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Corridor advice (CorridorPlanningService): a coordinated-actuated plan for the crossings
 * of one road run close enough for platoons, recommended once per corridor and planning
 * period, and decided by an operator as one decision: one `corridor_decisions` row names
 * every crossing it changed. A crossing's running plan comes from either a crossing's
 * decision or a corridor's, never both.
 */
export class CorridorRecommendations1765510000000 implements MigrationInterface {
  name = 'CorridorRecommendations1765510000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE "corridor_recommendations" (
        "id" bigserial NOT NULL,
        "corridor" varchar(200) NOT NULL,
        "road" varchar(128) NOT NULL,
        "crossing_ids" text[] NOT NULL,
        "planning_period_start" timestamptz NOT NULL,
        "based_on_interval_start" timestamptz NOT NULL,
        "cycle_seconds" real NOT NULL,
        "bandwidth" jsonb NOT NULL,
        "crossings" jsonb NOT NULL,
        "expected_delay_running_seconds" real NOT NULL,
        "expected_delay_plan_seconds" real NOT NULL,
        "gain_seconds" real NOT NULL,
        "gain_share" real NOT NULL,
        "reason" text NOT NULL,
        "status" varchar(16) NOT NULL DEFAULT 'pending',
        "valid_until" timestamptz NOT NULL,
        "created_at" timestamptz NOT NULL DEFAULT now(),
        "status_changed_at" timestamptz,
        CONSTRAINT "pk_corridor_recommendations" PRIMARY KEY ("id"),
        CONSTRAINT "uq_corridor_recommendations_period" UNIQUE ("corridor", "planning_period_start"),
        CONSTRAINT "ck_corridor_recommendations_status" CHECK ("status" IN ('pending', 'accepted', 'rejected', 'superseded', 'expired'))
      )`);
    await queryRunner.query(`CREATE INDEX "ix_corridor_recommendations_pending" ON "corridor_recommendations" ("corridor") WHERE "status" = 'pending'`);
    await queryRunner.query(`
      CREATE TABLE "corridor_decisions" (
        "id" bigserial NOT NULL,
        "corridor_recommendation_id" bigint NOT NULL,
        "corridor" varchar(200) NOT NULL,
        "crossing_ids" text[] NOT NULL,
        "decision" varchar(16) NOT NULL,
        "reason" text,
        "decided_by_user_id" bigint NOT NULL,
        "decided_by_username" varchar(64) NOT NULL,
        "decided_by_role" varchar(16) NOT NULL,
        "decided_at" timestamptz NOT NULL,
        "plans" jsonb NOT NULL,
        "previous_plans" jsonb NOT NULL,
        "published_at" timestamptz,
        CONSTRAINT "pk_corridor_decisions" PRIMARY KEY ("id"),
        CONSTRAINT "uq_corridor_decisions_recommendation" UNIQUE ("corridor_recommendation_id"),
        CONSTRAINT "ck_corridor_decisions_decision" CHECK ("decision" IN ('accepted', 'rejected')),
        CONSTRAINT "fk_corridor_decisions_recommendation" FOREIGN KEY ("corridor_recommendation_id") REFERENCES "corridor_recommendations"("id") ON DELETE CASCADE,
        CONSTRAINT "fk_corridor_decisions_user" FOREIGN KEY ("decided_by_user_id") REFERENCES "users"("id")
      )`);
    await queryRunner.query(`CREATE INDEX "ix_corridor_decisions_unpublished" ON "corridor_decisions" ("id") WHERE "decision" = 'accepted' AND "published_at" IS NULL`);
    await queryRunner.query(`ALTER TABLE "running_plans" ALTER COLUMN "decision_id" DROP NOT NULL`);
    await queryRunner.query(`ALTER TABLE "running_plans" ADD COLUMN "corridor_decision_id" bigint`);
    await queryRunner.query(
      `ALTER TABLE "running_plans" ADD CONSTRAINT "fk_running_plans_corridor_decision" FOREIGN KEY ("corridor_decision_id") REFERENCES "corridor_decisions"("id") ON DELETE CASCADE`,
    );
    await queryRunner.query(`ALTER TABLE "running_plans" ADD CONSTRAINT "ck_running_plans_one_decision" CHECK (("decision_id" IS NULL) <> ("corridor_decision_id" IS NULL))`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DELETE FROM "running_plans" WHERE "decision_id" IS NULL`);
    await queryRunner.query(`ALTER TABLE "running_plans" DROP CONSTRAINT "ck_running_plans_one_decision"`);
    await queryRunner.query(`ALTER TABLE "running_plans" DROP COLUMN "corridor_decision_id"`);
    await queryRunner.query(`ALTER TABLE "running_plans" ALTER COLUMN "decision_id" SET NOT NULL`);
    await queryRunner.query(`DROP TABLE "corridor_decisions"`);
    await queryRunner.query(`DROP TABLE "corridor_recommendations"`);
  }
}
