import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn, Unique, UpdateDateColumn } from 'typeorm';
import type { Role } from '@crosscast/contracts';

/** Someone who signs in to the dashboard or the API. The password is kept as a salted scrypt hash only. */
@Entity({ name: 'users' })
@Unique('uq_users_username', ['username'])
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

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;
}
