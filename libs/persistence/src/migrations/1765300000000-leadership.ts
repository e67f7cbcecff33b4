import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Leadership of the city-wide steps (fusion, planning) among several fusion instances.
 * The leader holds a PostgreSQL advisory lock on a dedicated connection; on taking it, it
 * increments `epoch`. Writes of fused state carry the writer's epoch and are refused when
 * the row says otherwise (fencing), so a deposed leader that has not noticed yet cannot write.
 */
export class Leadership1765300000000 implements MigrationInterface {
  name = 'Leadership1765300000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE "leadership" (
        "role" varchar(64) NOT NULL,
        "epoch" bigint NOT NULL DEFAULT 0,
        "holder" varchar(128) NULL,
        "elected_at" timestamptz NULL,
        CONSTRAINT "PK_leadership" PRIMARY KEY ("role")
      )`);
    await queryRunner.query(`INSERT INTO "leadership" ("role") VALUES ('city')`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "leadership"`);
  }
}
