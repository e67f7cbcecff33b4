import { MigrationInterface, QueryRunner } from 'typeorm';

export class InitialSchema1764300000000 implements MigrationInterface {
  name = 'InitialSchema1764300000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE "crossings" (
        "id" varchar(32) NOT NULL,
        "name" text NOT NULL,
        "lat" double precision NOT NULL,
        "lon" double precision NOT NULL,
        "approaches" jsonb NOT NULL,
        "created_at" timestamptz NOT NULL DEFAULT now(),
        "updated_at" timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT "pk_crossings" PRIMARY KEY ("id")
      )`);
    await queryRunner.query(`
      CREATE TABLE "crossing_status" (
        "crossing_id" varchar(32) NOT NULL,
        "worker_status" varchar(16),
        "last_heartbeat_at" timestamptz,
        "last_heartbeat_seq" bigint,
        "last_forecast_interval_start" timestamptz,
        "last_observed_total" integer,
        "model" jsonb,
        CONSTRAINT "pk_crossing_status" PRIMARY KEY ("crossing_id"),
        CONSTRAINT "fk_crossing_status_crossing" FOREIGN KEY ("crossing_id") REFERENCES "crossings"("id") ON DELETE CASCADE
      )`);
    await queryRunner.query(`
      CREATE TABLE "forecasts" (
        "id" bigserial NOT NULL,
        "message_id" varchar(96) NOT NULL,
        "crossing_id" varchar(32) NOT NULL,
        "seq" bigint NOT NULL,
        "based_on_interval_start" timestamptz NOT NULL,
        "interval_minutes" smallint NOT NULL,
        "model_name" varchar(64) NOT NULL,
        "model_version" integer NOT NULL,
        "model_backend" varchar(32) NOT NULL,
        "trained_on_intervals" integer NOT NULL,
        "real_input_share" real NOT NULL,
        "quality_flags" jsonb NOT NULL,
        "sent_at" timestamptz NOT NULL,
        "received_at" timestamptz NOT NULL,
        CONSTRAINT "pk_forecasts" PRIMARY KEY ("id"),
        CONSTRAINT "uq_forecasts_message_id" UNIQUE ("message_id"),
        CONSTRAINT "fk_forecasts_crossing" FOREIGN KEY ("crossing_id") REFERENCES "crossings"("id") ON DELETE CASCADE
      )`);
    await queryRunner.query(`CREATE INDEX "ix_forecasts_crossing_interval" ON "forecasts" ("crossing_id", "based_on_interval_start")`);
    await queryRunner.query(`
      CREATE TABLE "forecast_points" (
        "forecast_id" bigint NOT NULL,
        "steps_ahead" smallint NOT NULL,
        "approach_id" varchar(48) NOT NULL,
        "crossing_id" varchar(32) NOT NULL,
        "horizon_minutes" smallint NOT NULL,
        "target_interval_start" timestamptz NOT NULL,
        "mean" real NOT NULL,
        "lower80" real NOT NULL,
        "upper80" real NOT NULL,
        "lower95" real NOT NULL,
        "upper95" real NOT NULL,
        CONSTRAINT "pk_forecast_points" PRIMARY KEY ("forecast_id", "steps_ahead", "approach_id"),
        CONSTRAINT "fk_forecast_points_forecast" FOREIGN KEY ("forecast_id") REFERENCES "forecasts"("id") ON DELETE CASCADE
      )`);
    await queryRunner.query(`CREATE INDEX "ix_forecast_points_crossing_target" ON "forecast_points" ("crossing_id", "target_interval_start")`);
    await queryRunner.query(`
      CREATE TABLE "observations" (
        "crossing_id" varchar(32) NOT NULL,
        "interval_start" timestamptz NOT NULL,
        "approach_id" varchar(48) NOT NULL,
        "count" integer,
        "filled_share" real NOT NULL,
        CONSTRAINT "pk_observations" PRIMARY KEY ("crossing_id", "interval_start", "approach_id")
      )`);
    await queryRunner.query(`
      CREATE TABLE "recommendations" (
        "id" bigserial NOT NULL,
        "crossing_id" varchar(32) NOT NULL,
        "based_on_interval_start" timestamptz NOT NULL,
        "forecast_id" bigint,
        "method" varchar(32) NOT NULL,
        "cycle_seconds" real NOT NULL,
        "lost_time_seconds" real NOT NULL,
        "flow_ratio_sum" real NOT NULL,
        "oversaturated" boolean NOT NULL,
        "phases" jsonb NOT NULL,
        "created_at" timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT "pk_recommendations" PRIMARY KEY ("id"),
        CONSTRAINT "uq_recommendations_crossing_interval" UNIQUE ("crossing_id", "based_on_interval_start"),
        CONSTRAINT "fk_recommendations_crossing" FOREIGN KEY ("crossing_id") REFERENCES "crossings"("id") ON DELETE CASCADE
      )`);
    await queryRunner.query(`
      CREATE TABLE "dead_letters" (
        "id" bigserial NOT NULL,
        "queue" varchar(64) NOT NULL,
        "job_id" varchar(128) NOT NULL,
        "reason" text NOT NULL,
        "payload" text NOT NULL,
        "received_at" timestamptz NOT NULL,
        CONSTRAINT "pk_dead_letters" PRIMARY KEY ("id"),
        CONSTRAINT "uq_dead_letters_queue_job" UNIQUE ("queue", "job_id")
      )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    for (const table of ['dead_letters', 'recommendations', 'observations', 'forecast_points', 'forecasts', 'crossing_status', 'crossings']) {
      await queryRunner.query(`DROP TABLE IF EXISTS "${table}"`);
    }
  }
}
