import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Where each worker alert's episode began, so an alert's key (and an operator's
 * acknowledgement of it) stays with one episode: new forecasts and heartbeats while the
 * condition lasts keep it, and a condition that ends and comes back is a new alert.
 * - `degraded_since`: the first heartbeat of the unbroken run reporting `degraded` (kept by
 *   the heartbeat upsert, cleared by a heartbeat that is not degraded);
 * - `drifting_since`: the first heartbeat of the unbroken run whose drift ratio is over 1.5
 *   (DRIFT_ALERT_RATIO; kept the same way);
 * - `stale_since`: the crossing's newest forecast interval when it went stale (written by
 *   the leader's live-update tick when it sees the crossing turn stale, cleared when it
 *   is not stale any more).
 * Filled here from what the rows say now (the newest heartbeat is the best start known).
 */
export class AlertEpisodes1765840000000 implements MigrationInterface {
  name = 'AlertEpisodes1765840000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "crossing_status" ADD "degraded_since" timestamptz, ADD "drifting_since" timestamptz, ADD "stale_since" timestamptz`);
    await queryRunner.query(`UPDATE "crossing_status" SET "degraded_since" = "last_heartbeat_at" WHERE "worker_status" = 'degraded'`);
    await queryRunner.query(`UPDATE "crossing_status" SET "drifting_since" = "last_heartbeat_at" WHERE ("drift"->>'ratio')::double precision > 1.5`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "crossing_status" DROP COLUMN "stale_since", DROP COLUMN "drifting_since", DROP COLUMN "degraded_since"`);
  }
}
