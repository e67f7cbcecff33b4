import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The city fusion's learned state (CityFusion.toJSON() and the service's bookkeeping), saved
 * periodically and at shutdown so a restart serves the same fused picture at once. One row
 * per fusion model; each save replaces the row in one statement (atomic).
 */
export class FusionState1764900000000 implements MigrationInterface {
  name = 'FusionState1764900000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE "fusion_state" (
        "name" varchar(64) NOT NULL,
        "format_version" integer NOT NULL,
        "state" text NOT NULL,
        "fused_through" timestamptz NULL,
        "fed_through_received_at" timestamptz NULL,
        "saved_at" timestamptz NOT NULL,
        CONSTRAINT "PK_fusion_state" PRIMARY KEY ("name")
      )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "fusion_state"`);
  }
}
