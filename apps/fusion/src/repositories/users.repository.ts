import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { Role, UserView } from '@crosscast/contracts';

/** A user row with its password hash: stays inside the auth code, never serialised. */
export interface StoredUser extends UserView {
  passwordHash: string;
}

export interface UserChanges {
  role?: Role;
  disabled?: boolean;
  displayName?: string;
  passwordHash?: string;
}

/** The users table. Lists return UserView (no hash); only lookups for login return the hash. */
@Injectable()
export class UsersRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  async findByUsername(username: string): Promise<StoredUser | null> {
    const rows = await this.dataSource.query(`SELECT * FROM users WHERE username = $1`, [username]);
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

  /** Inserts a user; null when the username is taken. */
  async create(user: { username: string; displayName: string; role: Role; passwordHash: string }): Promise<UserView | null> {
    const rows = await this.dataSource.query(
      `INSERT INTO users (username, display_name, role, password_hash) VALUES ($1, $2, $3, $4)
       ON CONFLICT (username) DO NOTHING RETURNING *`,
      [user.username, user.displayName, user.role, user.passwordHash],
    );
    return rows.length ? toUserView(rows[0]) : null;
  }

  async update(id: string, changes: UserChanges): Promise<UserView | null> {
    const rows = await this.dataSource.query(
      `UPDATE users SET role = COALESCE($2, role), disabled = COALESCE($3, disabled), display_name = COALESCE($4, display_name),
         password_hash = COALESCE($5, password_hash), updated_at = now()
       WHERE id = $1 RETURNING *`,
      [id, changes.role ?? null, changes.disabled ?? null, changes.displayName ?? null, changes.passwordHash ?? null],
    );
    // node-postgres returns [rows, count] for UPDATE ... RETURNING through TypeORM.
    const updated = Array.isArray(rows[0]) ? rows[0] : rows;
    return updated.length ? toUserView(updated[0]) : null;
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
  return { ...toUserView(r), passwordHash: r.password_hash as string };
}
