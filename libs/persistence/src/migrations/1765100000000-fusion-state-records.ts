import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Fusion at 4,096 crossings (issue 16):
 * - `fusion_state_records`: the learned state one record per crossing, per aggregate and one
 *   for the city (CityFusion.toRecords()), each its own JSON text. One text for the whole
 *   state passed V8's string limit (~512 MB) at 4,096 crossings and was never saved.
 *   `fusion_state` keeps one row per model: the format, the service's bookkeeping and the
 *   last fused picture. Both are written in one transaction, so a save is still atomic.
 *   Saved states of the old layout (format 1) are ignored by the service and rebuilt.
 * - `ix_forecasts_based_on_crossing`: the cold rebuild reads forecasts by data time in
 *   (based_on_interval_start, crossing_id) order, in pages; only (crossing_id, based_on…)
 *   was indexed, so every page scanned and sorted the table.
 */
export class FusionStateRecords1765100000000 implements MigrationInterface {
  name = 'FusionStateRecords1765100000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE "fusion_state_records" (
        "name" varchar(64) NOT NULL,
        "key" text NOT NULL,
        "state" text NOT NULL,
        CONSTRAINT "pk_fusion_state_records" PRIMARY KEY ("name", "key"),
        CONSTRAINT "fk_fusion_state_records_state" FOREIGN KEY ("name") REFERENCES "fusion_state" ("name") ON DELETE CASCADE
      )`);
    await queryRunner.query(`CREATE INDEX "ix_forecasts_based_on_crossing" ON "forecasts" ("based_on_interval_start", "crossing_id")`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX "ix_forecasts_based_on_crossing"`);
    await queryRunner.query(`DROP TABLE "fusion_state_records"`);
  }
}
