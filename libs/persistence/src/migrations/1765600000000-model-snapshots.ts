import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Federated warm start: the newest model snapshot per crossing (weights, error statistics,
 * a unit-free week shape; no counts). One row per crossing, replaced by a newer sentAt.
 */
export class ModelSnapshots1765600000000 implements MigrationInterface {
  name = 'ModelSnapshots1765600000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE "model_snapshots" (
        "crossing_id" varchar(32) NOT NULL,
        "model_version" integer NOT NULL,
        "format" varchar(64) NOT NULL,
        "samples" integer NOT NULL,
        "snapshot" text NOT NULL,
        "sent_at" timestamptz NOT NULL,
        "received_at" timestamptz NOT NULL,
        CONSTRAINT "PK_model_snapshots" PRIMARY KEY ("crossing_id"),
        CONSTRAINT "CHK_model_snapshots_samples" CHECK ("samples" > 0)
      )`);
    await queryRunner.query(`CREATE INDEX "IDX_model_snapshots_format" ON "model_snapshots" ("format")`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "model_snapshots"`);
  }
}
