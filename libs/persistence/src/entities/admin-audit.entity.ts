import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

/** One security-relevant action: who (a username, or `system` / `migration`), what, on what, when. */
@Entity({ name: 'admin_audit' })
@Index('ix_admin_audit_at', ['at'])
export class AdminAuditEntity {
  @PrimaryGeneratedColumn({ type: 'bigint' })
  id: string;

  @Column({ type: 'timestamptz', default: () => 'now()' })
  at: Date;

  @Column({ type: 'varchar', length: 64 })
  actor: string;

  /** e.g. `crossing.reset-sequence`, `user.development-disabled`, `user.admin-password-applied`. */
  @Column({ type: 'varchar', length: 64 })
  action: string;

  /** `crossing:<id>` or `user:<id>`. */
  @Column({ type: 'varchar', length: 128 })
  target: string;

  @Column({ type: 'jsonb', default: {} })
  details: Record<string, unknown>;
}
