import { Column, Entity, JoinColumn, OneToOne, PrimaryColumn } from 'typeorm';
import type { ModelInfo, WorkerDrift } from '@crosscast/contracts';
import { CrossingEntity } from './crossing.entity';

/** What the city last heard from a crossing's worker. One row per crossing. */
@Entity({ name: 'crossing_status' })
export class CrossingStatusEntity {
  @PrimaryColumn({ name: 'crossing_id', type: 'varchar', length: 32 })
  crossingId: string;

  @OneToOne(() => CrossingEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'crossing_id', foreignKeyConstraintName: 'fk_crossing_status_crossing' })
  crossing?: CrossingEntity;

  @Column({ name: 'worker_status', type: 'varchar', length: 16, nullable: true })
  workerStatus: string | null;

  @Column({ name: 'last_heartbeat_at', type: 'timestamptz', nullable: true })
  lastHeartbeatAt: Date | null;

  @Column({ name: 'last_heartbeat_seq', type: 'bigint', nullable: true })
  lastHeartbeatSeq: string | null;

  /** Highest forecast sequence number accepted from the worker (replay window). */
  @Column({ name: 'last_forecast_seq', type: 'bigint', nullable: true })
  lastForecastSeq: string | null;

  @Column({ name: 'last_forecast_interval_start', type: 'timestamptz', nullable: true })
  lastForecastIntervalStart: Date | null;

  @Column({ name: 'last_observed_total', type: 'integer', nullable: true })
  lastObservedTotal: number | null;

  @Column({ type: 'jsonb', nullable: true })
  model: ModelInfo | null;

  /** Drift from the newest heartbeat: the model's recent error against its validation error. */
  @Column({ type: 'jsonb', nullable: true })
  drift: WorkerDrift | null;

  /** First heartbeat of the unbroken run reporting `degraded` (keys the degraded alert; migration 1765840000000). */
  @Column({ name: 'degraded_since', type: 'timestamptz', nullable: true })
  degradedSince: Date | null;

  /** First heartbeat of the unbroken run with a drift ratio over DRIFT_ALERT_RATIO (keys the drift alert). */
  @Column({ name: 'drifting_since', type: 'timestamptz', nullable: true })
  driftingSince: Date | null;

  /** The newest forecast interval when the crossing went stale (keys the stale alert; kept by the leader's tick). */
  @Column({ name: 'stale_since', type: 'timestamptz', nullable: true })
  staleSince: Date | null;
}
