import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { Role, UserView } from '@crosscast/contracts';

/** A user row with its password hash: stays inside the auth code, never serialised. */
export interface StoredUser extends UserView {
  passwordHash: string;
  /** Tokens carry the version they were issued at; an older one is refused. */
  tokenVersion: number;
  /** Created with a public development password (production disables these). */
  development: boolean;
}

export interface UserChanges {
  role?: Role;
  disabled?: boolean;
  displayName?: string;
  passwordHash?: string;
  /** A password set in development mode is public (the README's); anything else clears the flag. */
  development?: boolean;
}

/**
 * The users table. Lists return UserView (no hash); only lookups for login return the hash.
 * Usernames are unique and looked up without regard to case.
 */
@Injectable()
export class UsersRepository {
  private readonly changeListeners: Array<(id: string) => void> = [];

  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /** Called with a user's id after every write that changes what a token of theirs is worth (role, disabled, password, token version). */
  onUserChanged(listener: (id: string) => void): void {
    this.changeListeners.push(listener);
  }

  private changed(id: string): void {
    for (const listener of this.changeListeners) listener(id);
  }

  async findByUsername(username: string): Promise<StoredUser | null> {
    const rows = await this.dataSource.query(`SELECT * FROM users WHERE lower(username) = lower($1)`, [username]);
    return rows.length ? toStoredUser(rows[0]) : null;
  }

  async findById(id: string): Promise<StoredUser | null> {
    if (!/^\d{1,18}$/.test(id)) return null;
    const rows = await this.dataSource.query(`SELECT * FROM users WHERE id = $1`, [id]);
    return rows.length ? toStoredUser(rows[0]) : null;
  }

  async list(): Promise<UserView[]> {
    const rows = await this.dataSource.query(`SELECT * FROM users ORDER BY id`);
    return rows.map((r: Record<string, unknown>) => toUserView(r));
  }

  /** Inserts a user; null when the username is taken (in any case). */
  async create(user: { username: string; displayName: string; role: Role; passwordHash: string; development?: boolean }): Promise<UserView | null> {
    const rows = await this.dataSource.query(
      `INSERT INTO users (username, display_name, role, password_hash, development) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT DO NOTHING RETURNING *`,
      [user.username, user.displayName, user.role, user.passwordHash, user.development ?? false],
    );
    return rows.length ? toUserView(rows[0]) : null;
  }

  /**
   * Applies the changes. A change of role, of the disabled flag or of the password bumps the
   * token version, so every token issued before it (and its open sockets) stops working: the
   * user signs in again and gets a token (and socket) with the new role.
   */
  async update(id: string, changes: UserChanges): Promise<UserView | null> {
    // Told even when the query fails: it may have committed before the answer was lost.
    const rows = await this.dataSource.query(
      `UPDATE users SET role = COALESCE($2::varchar, role), disabled = COALESCE($3::boolean, disabled), display_name = COALESCE($4::varchar, display_name),
         password_hash = COALESCE($5::text, password_hash),
         development = CASE WHEN $5::text IS NULL THEN development ELSE COALESCE($6::boolean, false) END,
         token_version = token_version + CASE WHEN COALESCE($2::varchar <> role, false) OR COALESCE($3::boolean <> disabled, false) OR $5::text IS NOT NULL THEN 1 ELSE 0 END,
         updated_at = now()
       WHERE id = $1 RETURNING *`,
      [id, changes.role ?? null, changes.disabled ?? null, changes.displayName ?? null, changes.passwordHash ?? null, changes.development ?? null],
    ).finally(() => this.changed(id));
    // node-postgres returns [rows, count] for UPDATE ... RETURNING through TypeORM.
    const updated = Array.isArray(rows[0]) ? rows[0] : rows;
    return updated.length ? toUserView(updated[0]) : null;
  }

  /** Ends every token issued so far (logout, or an admin revoking a session). Returns the new version. */
  async revokeTokens(id: string): Promise<number | null> {
    const rows = await this.dataSource.query(`UPDATE users SET token_version = token_version + 1 WHERE id = $1 RETURNING token_version`, [id]).finally(() => this.changed(id));
    const updated = Array.isArray(rows[0]) ? rows[0] : rows;
    return updated.length ? Number(updated[0].token_version) : null;
  }

  /** Token version and disabled flag of these users (missing ids are absent from the map). */
  async tokenStates(ids: string[]): Promise<Map<string, { tokenVersion: number; disabled: boolean }>> {
    const rows: Array<{ id: string; token_version: number; disabled: boolean }> = await this.dataSource.query(
      `SELECT id::text AS id, token_version, disabled FROM users WHERE id = ANY($1::bigint[])`,
      [ids],
    );
    return new Map(rows.map((r) => [String(r.id), { tokenVersion: Number(r.token_version), disabled: r.disabled }]));
  }

  /** Enabled users, with their hashes: production's start-up check for development passwords. */
  async enabledUsers(): Promise<StoredUser[]> {
    const rows = await this.dataSource.query(`SELECT * FROM users WHERE NOT disabled ORDER BY id`);
    return rows.map((r: Record<string, unknown>) => toStoredUser(r));
  }

  /** Enabled admins other than `exceptId`: an admin may not lock the last admin out. */
  async countOtherActiveAdmins(exceptId: string): Promise<number> {
    const rows = await this.dataSource.query(`SELECT count(*)::int AS n FROM users WHERE role = 'admin' AND NOT disabled AND id <> $1`, [exceptId]);
    return rows[0].n;
  }
}

function toUserView(r: Record<string, unknown>): UserView {
  return {
    id: String(r.id),
    username: r.username as string,
    displayName: r.display_name as string,
    role: r.role as Role,
    disabled: r.disabled as boolean,
    createdAt: (r.created_at as Date).toISOString(),
    updatedAt: (r.updated_at as Date).toISOString(),
  };
}

function toStoredUser(r: Record<string, unknown>): StoredUser {
  return { ...toUserView(r), passwordHash: r.password_hash as string, tokenVersion: Number(r.token_version ?? 0), development: Boolean(r.development) };
}
