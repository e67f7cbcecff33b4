import { Column, Entity, JoinColumn, ManyToOne, PrimaryGeneratedColumn, Unique } from 'typeorm';
import { CrossingEntity } from './crossing.entity';

/** One forecast message from a crossing's worker, stored once: one per message id, and one per crossing and interval. */
@Entity({ name: 'forecasts' })
@Unique('uq_forecasts_message_id', ['messageId'])
@Unique('uq_forecasts_crossing_interval', ['crossingId', 'basedOnIntervalStart'])
export class ForecastEntity {
  @PrimaryGeneratedColumn({ type: 'bigint' })
  id: string;

  @Column({ name: 'message_id', type: 'varchar', length: 96 })
  messageId: string;

  @Column({ name: 'crossing_id', type: 'varchar', length: 32 })
  crossingId: string;

  @ManyToOne(() => CrossingEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'crossing_id', foreignKeyConstraintName: 'fk_forecasts_crossing' })
  crossing?: CrossingEntity;

  @Column({ type: 'bigint' })
  seq: string;

  @Column({ name: 'based_on_interval_start', type: 'timestamptz' })
  basedOnIntervalStart: Date;

  @Column({ name: 'interval_minutes', type: 'smallint' })
  intervalMinutes: number;

  @Column({ name: 'model_name', type: 'varchar', length: 64 })
  modelName: string;

  @Column({ name: 'model_version', type: 'integer' })
  modelVersion: number;

  @Column({ name: 'model_backend', type: 'varchar', length: 32 })
  modelBackend: string;

  @Column({ name: 'trained_on_intervals', type: 'integer' })
  trainedOnIntervals: number;

  @Column({ name: 'real_input_share', type: 'real' })
  realInputShare: number;

  @Column({ name: 'quality_flags', type: 'jsonb' })
  qualityFlags: string[];

  @Column({ name: 'sent_at', type: 'timestamptz' })
  sentAt: Date;

  @Column({ name: 'received_at', type: 'timestamptz' })
  receivedAt: Date;
}
