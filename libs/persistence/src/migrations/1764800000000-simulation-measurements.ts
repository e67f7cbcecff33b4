import { MigrationInterface, QueryRunner } from 'typeorm';

/** What the simulator measured on its street: per crossing and interval, and city totals. */
export class SimulationMeasurements1764800000000 implements MigrationInterface {
  name = 'SimulationMeasurements1764800000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE "simulation_reports" (
        "run_id" varchar(96) NOT NULL,
        "interval_start" timestamptz NOT NULL,
        "network" varchar(64) NOT NULL,
        "interval_minutes" integer NOT NULL,
        "city" jsonb NOT NULL,
        "received_at" timestamptz NOT NULL,
        CONSTRAINT "PK_simulation_reports" PRIMARY KEY ("run_id", "interval_start")
      )`);
    await queryRunner.query(`CREATE INDEX "IDX_simulation_reports_interval" ON "simulation_reports" ("interval_start" DESC)`);
    await queryRunner.query(`
      CREATE TABLE "simulation_measurements" (
        "run_id" varchar(96) NOT NULL,
        "interval_start" timestamptz NOT NULL,
        "crossing_id" varchar(32) NOT NULL,
        "throughput" real NOT NULL,
        "mean_delay_seconds" real NOT NULL,
        "stops_per_vehicle" real NOT NULL,
        "mean_queue" real NOT NULL,
        "max_queue" real NOT NULL,
        "plan_id" varchar(96) NOT NULL,
        CONSTRAINT "PK_simulation_measurements" PRIMARY KEY ("run_id", "interval_start", "crossing_id"),
        CONSTRAINT "FK_simulation_measurements_report" FOREIGN KEY ("run_id", "interval_start")
          REFERENCES "simulation_reports" ("run_id", "interval_start") ON DELETE CASCADE
      )`);
    await queryRunner.query(`CREATE INDEX "IDX_simulation_measurements_crossing" ON "simulation_measurements" ("crossing_id", "interval_start" DESC)`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "simulation_measurements"`);
    await queryRunner.query(`DROP TABLE "simulation_reports"`);
  }
}
