import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Operator access and the accept/reject workflow: users with roles, one decision per
 * recommendation (the audit trail), the plan running at each crossing, and a crossing's
 * administrative settings.
 */
export class OperatorAccess1764500000000 implements MigrationInterface {
  name = 'OperatorAccess1764500000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE "users" (
        "id" bigserial NOT NULL,
        "username" varchar(64) NOT NULL,
        "display_name" varchar(128) NOT NULL,
        "role" varchar(16) NOT NULL,
        "password_hash" text NOT NULL,
        "disabled" boolean NOT NULL DEFAULT false,
        "created_at" timestamptz NOT NULL DEFAULT now(),
        "updated_at" timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT "pk_users" PRIMARY KEY ("id"),
        CONSTRAINT "uq_users_username" UNIQUE ("username"),
        CONSTRAINT "ck_users_role" CHECK ("role" IN ('viewer', 'operator', 'admin'))
      )`);
    await queryRunner.query(`
      CREATE TABLE "recommendation_decisions" (
        "id" bigserial NOT NULL,
        "recommendation_id" bigint NOT NULL,
        "crossing_id" varchar(32) NOT NULL,
        "decision" varchar(16) NOT NULL,
        "reason" text,
        "decided_by_user_id" bigint NOT NULL,
        "decided_by_username" varchar(64) NOT NULL,
        "decided_by_role" varchar(16) NOT NULL,
        "decided_at" timestamptz NOT NULL,
        "plan" jsonb NOT NULL,
        "previous_plan" jsonb,
        "published_at" timestamptz,
        CONSTRAINT "pk_recommendation_decisions" PRIMARY KEY ("id"),
        CONSTRAINT "uq_recommendation_decisions_recommendation" UNIQUE ("recommendation_id"),
        CONSTRAINT "ck_recommendation_decisions_decision" CHECK ("decision" IN ('accepted', 'rejected')),
        CONSTRAINT "fk_recommendation_decisions_recommendation" FOREIGN KEY ("recommendation_id") REFERENCES "recommendations"("id") ON DELETE CASCADE,
        CONSTRAINT "fk_recommendation_decisions_crossing" FOREIGN KEY ("crossing_id") REFERENCES "crossings"("id") ON DELETE CASCADE,
        CONSTRAINT "fk_recommendation_decisions_user" FOREIGN KEY ("decided_by_user_id") REFERENCES "users"("id")
      )`);
    await queryRunner.query(`CREATE INDEX "ix_recommendation_decisions_crossing_decided" ON "recommendation_decisions" ("crossing_id", "decided_at")`);
    await queryRunner.query(`CREATE INDEX "ix_recommendation_decisions_unpublished" ON "recommendation_decisions" ("id") WHERE "decision" = 'accepted' AND "published_at" IS NULL`);
    await queryRunner.query(`
      CREATE TABLE "running_plans" (
        "crossing_id" varchar(32) NOT NULL,
        "decision_id" bigint NOT NULL,
        "plan" jsonb NOT NULL,
        "accepted_by" varchar(64) NOT NULL,
        "accepted_at" timestamptz NOT NULL,
        CONSTRAINT "pk_running_plans" PRIMARY KEY ("crossing_id"),
        CONSTRAINT "fk_running_plans_crossing" FOREIGN KEY ("crossing_id") REFERENCES "crossings"("id") ON DELETE CASCADE,
        CONSTRAINT "fk_running_plans_decision" FOREIGN KEY ("decision_id") REFERENCES "recommendation_decisions"("id") ON DELETE CASCADE
      )`);
    await queryRunner.query(`ALTER TABLE "crossings" ADD COLUMN "plans_enabled" boolean NOT NULL DEFAULT true`);
    await queryRunner.query(`ALTER TABLE "crossings" ADD COLUMN "admin_note" text`);
    await queryRunner.query(`ALTER TABLE "crossings" ADD COLUMN "settings_updated_by" varchar(64)`);
    await queryRunner.query(`ALTER TABLE "crossings" ADD COLUMN "settings_updated_at" timestamptz`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    for (const column of ['settings_updated_at', 'settings_updated_by', 'admin_note', 'plans_enabled']) {
      await queryRunner.query(`ALTER TABLE "crossings" DROP COLUMN IF EXISTS "${column}"`);
    }
    for (const table of ['running_plans', 'recommendation_decisions', 'users']) {
      await queryRunner.query(`DROP TABLE IF EXISTS "${table}"`);
    }
  }
}
