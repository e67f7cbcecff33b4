import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn } from 'typeorm';
import { ForecastEntity } from './forecast.entity';

/** The crossing total is stored under this approach id. */
export const TOTAL_APPROACH = '*';

/** One value of a forecast: one horizon, one approach (or the total, approach '*'). */
@Entity({ name: 'forecast_points' })
@Index('ix_forecast_points_crossing_target', ['crossingId', 'targetIntervalStart'])
export class ForecastPointEntity {
  @PrimaryColumn({ name: 'forecast_id', type: 'bigint' })
  forecastId: string;

  @ManyToOne(() => ForecastEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'forecast_id', foreignKeyConstraintName: 'fk_forecast_points_forecast' })
  forecast?: ForecastEntity;

  @PrimaryColumn({ name: 'steps_ahead', type: 'smallint' })
  stepsAhead: number;

  @PrimaryColumn({ name: 'approach_id', type: 'varchar', length: 48 })
  approachId: string;

  @Column({ name: 'crossing_id', type: 'varchar', length: 32 })
  crossingId: string;

  @Column({ name: 'horizon_minutes', type: 'smallint' })
  horizonMinutes: number;

  @Column({ name: 'target_interval_start', type: 'timestamptz' })
  targetIntervalStart: Date;

  @Column({ type: 'real' }) mean: number;
  @Column({ type: 'real' }) lower80: number;
  @Column({ type: 'real' }) upper80: number;
  @Column({ type: 'real' }) lower95: number;
  @Column({ type: 'real' }) upper95: number;
}
