import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Controller event logs (Indiana enumerations) per crossing and interval, as the simulator
 * sends them: the source of the ATSPM performance measures that REST serves. One row per
 * (run, crossing, interval) holding that interval's events, so a redelivered log changes
 * nothing and a window is read with one index range scan.
 */
export class SignalEventLogs1765700000000 implements MigrationInterface {
  name = 'SignalEventLogs1765700000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE "signal_event_logs" (
        "run_id" varchar(96) NOT NULL,
        "crossing_id" varchar(32) NOT NULL,
        "interval_start" timestamptz NOT NULL,
        "interval_minutes" integer NOT NULL,
        "channels" jsonb NOT NULL,
        "events" jsonb NOT NULL,
        "event_count" integer NOT NULL,
        "received_at" timestamptz NOT NULL,
        CONSTRAINT "PK_signal_event_logs" PRIMARY KEY ("run_id", "crossing_id", "interval_start"),
        CONSTRAINT "CHK_signal_event_logs_minutes" CHECK ("interval_minutes" BETWEEN 1 AND 60)
      )`);
    await queryRunner.query(`CREATE INDEX "IDX_signal_event_logs_crossing" ON "signal_event_logs" ("crossing_id", "interval_start")`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "signal_event_logs"`);
  }
}
