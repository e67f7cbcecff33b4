import { Column, CreateDateColumn, Entity, JoinColumn, ManyToOne, PrimaryGeneratedColumn, Unique } from 'typeorm';
import type { PhaseTimingView } from '@crosscast/contracts';
import { CrossingEntity } from './crossing.entity';

/** A signal-timing recommendation for a crossing, from the forecast made after one interval. */
@Entity({ name: 'recommendations' })
@Unique('uq_recommendations_crossing_interval', ['crossingId', 'basedOnIntervalStart'])
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
}
