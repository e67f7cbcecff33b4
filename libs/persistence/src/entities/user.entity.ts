import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn, Unique, UpdateDateColumn } from 'typeorm';
import type { Role } from '@crosscast/contracts';

/** Someone who signs in to the dashboard or the API. The password is kept as a salted scrypt hash only. */
@Entity({ name: 'users' })
@Unique('uq_users_username', ['username'])
// Also unique as lower(username) (index uq_users_username_lower, migration 1765000000000).
export class UserEntity {
  @PrimaryGeneratedColumn({ type: 'bigint' })
  id: string;

  @Column({ type: 'varchar', length: 64 })
  username: string;

  @Column({ name: 'display_name', type: 'varchar', length: 128 })
  displayName: string;

  /** viewer < operator < admin (CHECK constraint ck_users_role). */
  @Column({ type: 'varchar', length: 16 })
  role: Role;

  /** `scrypt$<N>$<r>$<p>$<salt base64>$<hash base64>`. */
  @Column({ name: 'password_hash', type: 'text' })
  passwordHash: string;

  @Column({ type: 'boolean', default: false })
  disabled: boolean;

  /** Bumped on disable, role or password change and logout: tokens of an older version are refused. */
  @Column({ name: 'token_version', type: 'integer', default: 0 })
  tokenVersion: number;

  /** Created with a public development password; production disables such accounts at start. */
  @Column({ type: 'boolean', default: false })
  development: boolean;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;
}
