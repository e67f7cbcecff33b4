import { Column, Entity, PrimaryColumn } from 'typeorm';

/**
 * A saved city-fusion model: the JSON of CityFusion.toJSON() plus the fusion service's
 * bookkeeping, as text (exact number round trip, no jsonb re-encoding of ~3 MB). Written
 * by FusionStateRepository with raw SQL; the entity documents the table.
 */
@Entity({ name: 'fusion_state' })
export class FusionStateEntity {
  /** Which fusion model ('city'). */
  @PrimaryColumn({ type: 'varchar', length: 64 })
  name: string;

  /** Layout of `state`; a snapshot of another version is ignored (rebuilt from stored rows). */
  @Column({ name: 'format_version', type: 'integer' })
  formatVersion: number;

  @Column({ type: 'text' })
  state: string;

  /** The data-time interval of the last fusion run in the state. */
  @Column({ name: 'fused_through', type: 'timestamptz', nullable: true })
  fusedThrough: Date | null;

  /** Newest `forecasts.received_at` fed into the state: rows after it are replayed at start. */
  @Column({ name: 'fed_through_received_at', type: 'timestamptz', nullable: true })
  fedThroughReceivedAt: Date | null;

  @Column({ name: 'saved_at', type: 'timestamptz' })
  savedAt: Date;
}
