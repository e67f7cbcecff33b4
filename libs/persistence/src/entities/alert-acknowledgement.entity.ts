import { Check, Column, Entity, Index, PrimaryColumn, PrimaryGeneratedColumn, Unique } from 'typeorm';

/**
 * One acknowledged operator alert, shared by every dashboard and kept as the audit trail:
 * the alert's condition key (unique: a second acknowledgement is a conflict), who (user id,
 * username and role copied) and when. Migration 1765810000000.
 */
@Entity({ name: 'alert_acknowledgements' })
@Unique('uq_alert_acknowledgements_key', ['alertKey'])
@Index('ix_alert_acknowledgements_crossing_at', ['crossingId', 'acknowledgedAt'])
@Check('ck_alert_acknowledgements_kind', `"kind" IN ('offline', 'stale', 'degraded', 'drift', 'congestion', 'pending')`)
export class AlertAcknowledgementEntity {
  @PrimaryGeneratedColumn({ type: 'bigint' })
  id: string;

  @Column({ name: 'alert_key', type: 'varchar', length: 200 })
  alertKey: string;

  @Column({ type: 'varchar', length: 16 })
  kind: string;

  @Column({ name: 'crossing_id', type: 'varchar', length: 32 })
  crossingId: string;

  @Column({ type: 'varchar', length: 500, nullable: true })
  note: string | null;

  @Column({ name: 'acknowledged_by_user_id', type: 'bigint' })
  acknowledgedByUserId: string;

  @Column({ name: 'acknowledged_by_username', type: 'varchar', length: 64 })
  acknowledgedByUsername: string;

  @Column({ name: 'acknowledged_by_role', type: 'varchar', length: 16 })
  acknowledgedByRole: string;

  @Column({ name: 'acknowledged_at', type: 'timestamptz' })
  acknowledgedAt: Date;
}

/** Each crossing's newest planning verdict on congestion and since when it has lasted (migration 1765810000000). */
@Entity({ name: 'crossing_congestion' })
export class CrossingCongestionEntity {
  @PrimaryColumn({ name: 'crossing_id', type: 'varchar', length: 32 })
  crossingId: string;

  @Column({ name: 'planning_period_start', type: 'timestamptz' })
  planningPeriodStart: Date;

  @Column({ type: 'boolean' })
  congested: boolean;

  @Column({ name: 'congested_since', type: 'timestamptz', nullable: true })
  congestedSince: Date | null;

  @Column({ type: 'text', nullable: true })
  reason: string | null;
}
