import { Column, Entity, PrimaryColumn } from 'typeorm';

/** A finished interval's observed count as the worker reported it (approach '*' = total). */
@Entity({ name: 'observations' })
export class ObservationEntity {
  @PrimaryColumn({ name: 'crossing_id', type: 'varchar', length: 32 })
  crossingId: string;

  @PrimaryColumn({ name: 'interval_start', type: 'timestamptz' })
  intervalStart: Date;

  @PrimaryColumn({ name: 'approach_id', type: 'varchar', length: 48 })
  approachId: string;

  @Column({ type: 'integer', nullable: true })
  count: number | null;

  @Column({ name: 'filled_share', type: 'real' })
  filledShare: number;
}
