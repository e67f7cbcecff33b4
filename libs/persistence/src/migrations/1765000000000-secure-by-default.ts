import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Secure by default:
 * - `users.token_version`: every token carries the version it was issued at; disabling a
 *   user, changing their role or password, or signing out bumps it, and older tokens (and the
 *   sockets opened with them) stop working at once.
 * - `users.development`: accounts created with a development password (public, in the
 *   README); production disables them at start.
 * - usernames unique without regard to case (`Admin` and `admin` were two accounts).
 *   Existing clashes keep the oldest account; the others are renamed `<name>~<id>` and
 *   disabled, and the audit log says so.
 * - `admin_audit`: who did which security-relevant thing, when (sequence resets,
 *   production bootstrap actions, the renames above).
 */
export class SecureByDefault1765000000000 implements MigrationInterface {
  name = 'SecureByDefault1765000000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "users" ADD COLUMN "token_version" integer NOT NULL DEFAULT 0`);
    await queryRunner.query(`ALTER TABLE "users" ADD COLUMN "development" boolean NOT NULL DEFAULT false`);
    await queryRunner.query(`
      CREATE TABLE "admin_audit" (
        "id" bigserial NOT NULL,
        "at" timestamptz NOT NULL DEFAULT now(),
        "actor" varchar(64) NOT NULL,
        "action" varchar(64) NOT NULL,
        "target" varchar(128) NOT NULL,
        "details" jsonb NOT NULL DEFAULT '{}',
        CONSTRAINT "pk_admin_audit" PRIMARY KEY ("id")
      )`);
    await queryRunner.query(`CREATE INDEX "ix_admin_audit_at" ON "admin_audit" ("at")`);
    // Case-insensitive clashes: all but the oldest of each group are renamed and disabled.
    const renamed: Array<{ id: string; username: string; new_name: string }> = await queryRunner.query(`
      WITH clashes AS (
        SELECT id, username, row_number() OVER (PARTITION BY lower(username) ORDER BY id) AS n FROM "users"
      )
      UPDATE "users" u SET username = left(u.username, 44) || '~' || u.id, disabled = true, token_version = u.token_version + 1
      FROM clashes c WHERE c.id = u.id AND c.n > 1
      RETURNING u.id, c.username, u.username AS new_name`);
    const rows = Array.isArray(renamed[0]) ? (renamed[0] as unknown as typeof renamed) : renamed;
    for (const row of rows) {
      await queryRunner.query(`INSERT INTO "admin_audit" (actor, action, target, details) VALUES ('migration', 'user.renamed-case-clash', $1, $2)`, [
        `user:${row.id}`,
        JSON.stringify({ from: row.username, to: row.new_name, disabled: true }),
      ]);
    }
    await queryRunner.query(`CREATE UNIQUE INDEX "uq_users_username_lower" ON "users" (lower("username"))`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX "uq_users_username_lower"`);
    await queryRunner.query(`DROP TABLE "admin_audit"`);
    await queryRunner.query(`ALTER TABLE "users" DROP COLUMN "development"`);
    await queryRunner.query(`ALTER TABLE "users" DROP COLUMN "token_version"`);
  }
}
