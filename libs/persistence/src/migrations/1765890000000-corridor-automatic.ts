import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Automatic mode for group (corridor) advice: a corridor recommendation whose crossings all
 * have automatic mode on may be applied without an operator, through the same decision as an
 * operator's (one `corridor_decisions` row naming every crossing), decided by `automatic`
 * (no user row, as for `recommendation_decisions`). Its status is then
 * `applied-automatically`, and `automatic` keeps automatic mode's verdict on it (apply, or
 * hold with the reason) as `recommendations.automatic` does for a single crossing.
 */
export class CorridorAutomatic1765890000000 implements MigrationInterface {
  name = 'CorridorAutomatic1765890000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "corridor_recommendations" ADD COLUMN "automatic" jsonb`);
    await queryRunner.query(`ALTER TABLE "corridor_recommendations" ALTER COLUMN "status" TYPE varchar(24)`);
    await queryRunner.query(`ALTER TABLE "corridor_recommendations" DROP CONSTRAINT "ck_corridor_recommendations_status"`);
    await queryRunner.query(
      `ALTER TABLE "corridor_recommendations" ADD CONSTRAINT "ck_corridor_recommendations_status" CHECK ("status" IN ('pending', 'accepted', 'rejected', 'superseded', 'expired', 'applied-automatically'))`,
    );
    await queryRunner.query(`CREATE INDEX "ix_corridor_recommendations_automatic" ON "corridor_recommendations" USING gin ("crossing_ids") WHERE "status" = 'applied-automatically'`);
    await queryRunner.query(`ALTER TABLE "corridor_decisions" ALTER COLUMN "decided_by_user_id" DROP NOT NULL`);
    await queryRunner.query(`ALTER TABLE "corridor_decisions" ADD CONSTRAINT "ck_corridor_decisions_decider" CHECK ("decided_by_user_id" IS NOT NULL OR "decided_by_role" = 'automatic')`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    // Automatic corridor decisions have no user: they cannot stay under the old schema (their running plans go with them; the recommendations count as expired).
    await queryRunner.query(`DELETE FROM "corridor_decisions" WHERE "decided_by_user_id" IS NULL`);
    await queryRunner.query(`UPDATE "corridor_recommendations" SET "status" = 'expired' WHERE "status" = 'applied-automatically'`);
    await queryRunner.query(`ALTER TABLE "corridor_decisions" DROP CONSTRAINT "ck_corridor_decisions_decider"`);
    await queryRunner.query(`ALTER TABLE "corridor_decisions" ALTER COLUMN "decided_by_user_id" SET NOT NULL`);
    await queryRunner.query(`DROP INDEX "ix_corridor_recommendations_automatic"`);
    await queryRunner.query(`ALTER TABLE "corridor_recommendations" DROP CONSTRAINT "ck_corridor_recommendations_status"`);
    await queryRunner.query(`ALTER TABLE "corridor_recommendations" ADD CONSTRAINT "ck_corridor_recommendations_status" CHECK ("status" IN ('pending', 'accepted', 'rejected', 'superseded', 'expired'))`);
    await queryRunner.query(`ALTER TABLE "corridor_recommendations" ALTER COLUMN "status" TYPE varchar(16)`);
    await queryRunner.query(`ALTER TABLE "corridor_recommendations" DROP COLUMN "automatic"`);
  }
}
