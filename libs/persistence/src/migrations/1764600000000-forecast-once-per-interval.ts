import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Exactly-once forecasts, enforced by the database:
 * - one forecast per crossing and interval (`uq_forecasts_crossing_interval`), whatever
 *   string form the message id's timestamp took (message_id alone could hold the same
 *   instant twice, e.g. "...T08:00:00+11:00" and "...T21:00:00Z");
 * - `crossing_status.last_forecast_seq`, the highest sequence number accepted from the
 *   crossing's worker, for the replay window (see IngestionService).
 * Duplicates already stored (kept: the oldest row) are removed first, with their points.
 */
export class ForecastOncePerInterval1764600000000 implements MigrationInterface {
  name = 'ForecastOncePerInterval1764600000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      DELETE FROM "forecasts" f USING "forecasts" older
      WHERE f."crossing_id" = older."crossing_id" AND f."based_on_interval_start" = older."based_on_interval_start" AND f."id" > older."id"`);
    await queryRunner.query(`DROP INDEX "ix_forecasts_crossing_interval"`);
    await queryRunner.query(`ALTER TABLE "forecasts" ADD CONSTRAINT "uq_forecasts_crossing_interval" UNIQUE ("crossing_id", "based_on_interval_start")`);
    await queryRunner.query(`ALTER TABLE "crossing_status" ADD COLUMN "last_forecast_seq" bigint`);
    await queryRunner.query(`UPDATE "crossing_status" s SET "last_forecast_seq" = (SELECT max(f."seq") FROM "forecasts" f WHERE f."crossing_id" = s."crossing_id")`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "crossing_status" DROP COLUMN "last_forecast_seq"`);
    await queryRunner.query(`ALTER TABLE "forecasts" DROP CONSTRAINT "uq_forecasts_crossing_interval"`);
    await queryRunner.query(`CREATE INDEX "ix_forecasts_crossing_interval" ON "forecasts" ("crossing_id", "based_on_interval_start")`);
  }
}
