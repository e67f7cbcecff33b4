import { Check, Column, Entity, JoinColumn, ManyToOne, PrimaryColumn } from 'typeorm';
import { CrossingEntity } from './crossing.entity';
import { RecommendationEntity } from './recommendation.entity';

/**
 * One planning evaluation per crossing and planning period: the planner's verdict on the
 * crossing's newest forecast, kept also when the gain was too small for a recommendation
 * (why nothing was recommended). The primary key makes a period's evaluation happen once
 * under BullMQ redelivery.
 */
@Entity({ name: 'planning_evaluations' })
@Check('ck_planning_evaluations_outcome', `"outcome" IN ('recommended', 'not-needed')`)
export class PlanningEvaluationEntity {
  @PrimaryColumn({ name: 'crossing_id', type: 'varchar', length: 32 })
  crossingId: string;

  @PrimaryColumn({ name: 'planning_period_start', type: 'timestamptz' })
  planningPeriodStart: Date;

  @ManyToOne(() => CrossingEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'crossing_id', foreignKeyConstraintName: 'fk_planning_evaluations_crossing' })
  crossing?: CrossingEntity;

  @Column({ name: 'based_on_interval_start', type: 'timestamptz' })
  basedOnIntervalStart: Date;

  @Column({ name: 'forecast_id', type: 'bigint', nullable: true })
  forecastId: string | null;

  @Column({ name: 'forecast_message_id', type: 'varchar', length: 96 })
  forecastMessageId: string;

  @Column({ type: 'varchar', length: 16 })
  outcome: 'recommended' | 'not-needed';

  @Column({ name: 'gain_seconds', type: 'real' })
  gainSeconds: number;

  @Column({ name: 'gain_share', type: 'real' })
  gainShare: number;

  @Column({ name: 'expected_delay_running_seconds', type: 'real' })
  expectedDelayRunningSeconds: number;

  @Column({ name: 'expected_delay_recommended_seconds', type: 'real' })
  expectedDelayRecommendedSeconds: number;

  @Column({ type: 'varchar', length: 8 })
  basis: 'centre' | 'upper';

  @Column({ type: 'boolean' })
  congested: boolean;

  @Column({ type: 'text' })
  reason: string;

  /** What the plan was made from: fused values, the fusion's estimate, or the worker's own forecast. */
  @Column({ name: 'input_source', type: 'varchar', length: 16, default: 'worker-forecast' })
  inputSource: 'fused' | 'estimate' | 'worker-forecast';

  @Column({ name: 'recommendation_id', type: 'bigint', nullable: true })
  recommendationId: string | null;

  @ManyToOne(() => RecommendationEntity, { onDelete: 'SET NULL' })
  @JoinColumn({ name: 'recommendation_id', foreignKeyConstraintName: 'fk_planning_evaluations_recommendation' })
  recommendation?: RecommendationEntity;

  @Column({ name: 'evaluated_at', type: 'timestamptz' })
  evaluatedAt: Date;
}
