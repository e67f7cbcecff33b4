import { Check, Column, CreateDateColumn, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn, Unique } from 'typeorm';
import type { AutomaticOutcomeView, ComparedPlanView, PhaseTimingView, RecommendationStatus } from '@crosscast/contracts';
import { CrossingEntity } from './crossing.entity';

/**
 * A signal-timing recommendation for a crossing and planning period, from the crossing's
 * newest forecast, stored only when its expected gain passed the hysteresis.
 */
@Entity({ name: 'recommendations' })
@Unique('uq_recommendations_crossing_interval', ['crossingId', 'basedOnIntervalStart'])
@Unique('uq_recommendations_crossing_period', ['crossingId', 'planningPeriodStart'])
@Check('ck_recommendations_status', `"status" IN ('pending', 'accepted', 'rejected', 'superseded', 'expired', 'applied-automatically')`)
@Index('ix_recommendations_status_period', ['status', 'planningPeriodStart'])
export class RecommendationEntity {
  @PrimaryGeneratedColumn({ type: 'bigint' })
  id: string;

  @Column({ name: 'crossing_id', type: 'varchar', length: 32 })
  crossingId: string;

  @ManyToOne(() => CrossingEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'crossing_id', foreignKeyConstraintName: 'fk_recommendations_crossing' })
  crossing?: CrossingEntity;

  @Column({ name: 'based_on_interval_start', type: 'timestamptz' })
  basedOnIntervalStart: Date;

  @Column({ name: 'forecast_id', type: 'bigint', nullable: true })
  forecastId: string | null;

  @Column({ type: 'varchar', length: 32 })
  method: string;

  @Column({ name: 'cycle_seconds', type: 'real' })
  cycleSeconds: number;

  @Column({ name: 'lost_time_seconds', type: 'real' })
  lostTimeSeconds: number;

  @Column({ name: 'flow_ratio_sum', type: 'real' })
  flowRatioSum: number;

  @Column({ type: 'boolean' })
  oversaturated: boolean;

  @Column({ type: 'jsonb' })
  phases: PhaseTimingView[];

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @Column({ name: 'planning_period_start', type: 'timestamptz' })
  planningPeriodStart: Date;

  @Column({ name: 'valid_until', type: 'timestamptz', nullable: true })
  validUntil: Date | null;

  @Column({ type: 'varchar', length: 24, default: 'pending' })
  status: RecommendationStatus;

  @Column({ name: 'status_changed_at', type: 'timestamptz', nullable: true })
  statusChangedAt: Date | null;

  @Column({ type: 'varchar', length: 8, nullable: true })
  basis: 'centre' | 'upper' | null;

  @Column({ name: 'expected_delay_running_seconds', type: 'real', nullable: true })
  expectedDelayRunningSeconds: number | null;

  @Column({ name: 'expected_delay_recommended_seconds', type: 'real', nullable: true })
  expectedDelayRecommendedSeconds: number | null;

  @Column({ name: 'gain_seconds', type: 'real', nullable: true })
  gainSeconds: number | null;

  @Column({ name: 'gain_share', type: 'real', nullable: true })
  gainShare: number | null;

  @Column({ type: 'boolean', nullable: true })
  congested: boolean | null;

  @Column({ type: 'text', nullable: true })
  reason: string | null;

  /** What the plan was made from: fused values, the fusion's estimate, or the worker's own forecast. */
  @Column({ name: 'input_source', type: 'varchar', length: 16, default: 'worker-forecast' })
  inputSource: 'fused' | 'estimate' | 'worker-forecast';

  @Column({ name: 'forecast_message_id', type: 'varchar', length: 96, nullable: true })
  forecastMessageId: string | null;

  @Column({ name: 'compared_with', type: 'jsonb', nullable: true })
  comparedWith: ComparedPlanView | null;

  @Column({ type: 'jsonb', nullable: true })
  automatic: AutomaticOutcomeView | null;
}
