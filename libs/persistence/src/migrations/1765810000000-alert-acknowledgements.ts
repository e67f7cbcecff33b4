import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Operator alerts on the server:
 * - `alert_acknowledgements`: one row per acknowledged alert (its condition key), with who
 *   (user id, username and role copied, as in recommendation_decisions) and when: the
 *   shared acknowledgement every dashboard shows, and the audit trail. A second
 *   acknowledgement of the same alert is a conflict (unique key).
 * - `crossing_congestion`: each crossing's newest planning verdict on congestion and, while
 *   it stays congested, since which planning period. Kept by the planning transaction
 *   (RecommendationsRepository.storeEvaluation); filled here from the evaluations already stored.
 */
export class AlertAcknowledgements1765810000000 implements MigrationInterface {
  name = 'AlertAcknowledgements1765810000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE "alert_acknowledgements" (
        "id" BIGSERIAL NOT NULL,
        "alert_key" varchar(200) NOT NULL,
        "kind" varchar(16) NOT NULL,
        "crossing_id" varchar(32) NOT NULL,
        "note" varchar(500),
        "acknowledged_by_user_id" bigint NOT NULL,
        "acknowledged_by_username" varchar(64) NOT NULL,
        "acknowledged_by_role" varchar(16) NOT NULL,
        "acknowledged_at" timestamptz NOT NULL,
        CONSTRAINT "pk_alert_acknowledgements" PRIMARY KEY ("id"),
        CONSTRAINT "uq_alert_acknowledgements_key" UNIQUE ("alert_key"),
        CONSTRAINT "ck_alert_acknowledgements_kind" CHECK ("kind" IN ('offline', 'stale', 'degraded', 'drift', 'congestion', 'pending')),
        CONSTRAINT "fk_alert_acknowledgements_crossing" FOREIGN KEY ("crossing_id") REFERENCES "crossings"("id") ON DELETE CASCADE,
        CONSTRAINT "fk_alert_acknowledgements_user" FOREIGN KEY ("acknowledged_by_user_id") REFERENCES "users"("id")
      )`);
    await queryRunner.query(`CREATE INDEX "ix_alert_acknowledgements_crossing_at" ON "alert_acknowledgements" ("crossing_id", "acknowledged_at")`);
    await queryRunner.query(`
      CREATE TABLE "crossing_congestion" (
        "crossing_id" varchar(32) NOT NULL,
        "planning_period_start" timestamptz NOT NULL,
        "congested" boolean NOT NULL,
        "congested_since" timestamptz,
        "reason" text,
        CONSTRAINT "pk_crossing_congestion" PRIMARY KEY ("crossing_id"),
        CONSTRAINT "fk_crossing_congestion_crossing" FOREIGN KEY ("crossing_id") REFERENCES "crossings"("id") ON DELETE CASCADE
      )`);
    // From the evaluations already stored: the newest per crossing, and the start of its congested run.
    await queryRunner.query(`
      INSERT INTO crossing_congestion (crossing_id, planning_period_start, congested, congested_since, reason)
      SELECT n.crossing_id, n.planning_period_start, n.congested,
        CASE WHEN n.congested THEN (
          SELECT min(e.planning_period_start) FROM planning_evaluations e
          WHERE e.crossing_id = n.crossing_id AND e.planning_period_start > COALESCE(
            (SELECT max(x.planning_period_start) FROM planning_evaluations x WHERE x.crossing_id = n.crossing_id AND NOT x.congested), '-infinity'::timestamptz))
        END,
        n.reason
      FROM (SELECT DISTINCT ON (crossing_id) crossing_id, planning_period_start, congested, reason FROM planning_evaluations
            ORDER BY crossing_id, planning_period_start DESC) n`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "crossing_congestion"`);
    await queryRunner.query(`DROP TABLE "alert_acknowledgements"`);
  }
}
