import { Column, Entity, PrimaryColumn } from 'typeorm';

/**
 * The newest federated snapshot of each crossing's model (weights, error statistics and a
 * unit-free week shape; never counts), as its worker sent it on the model-snapshot queue.
 * The fusion service averages them into a warm start for new crossings. Written by
 * FederationRepository with raw SQL (newest sentAt wins); the entity documents the table.
 */
@Entity({ name: 'model_snapshots' })
export class ModelSnapshotEntity {
  @PrimaryColumn({ name: 'crossing_id', type: 'varchar', length: 32 })
  crossingId: string;

  /** The worker's model version the snapshot was taken from. */
  @Column({ name: 'model_version', type: 'integer' })
  modelVersion: number;

  /** Layout of `snapshot` ("crosscast-federated/1"). */
  @Column({ type: 'varchar', length: 64 })
  format: string;

  /** Training samples behind the weights (the FedAvg weight). */
  @Column({ type: 'integer' })
  samples: number;

  /** The snapshot JSON, as text (exact number round trip). */
  @Column({ type: 'text' })
  snapshot: string;

  @Column({ name: 'sent_at', type: 'timestamptz' })
  sentAt: Date;

  @Column({ name: 'received_at', type: 'timestamptz' })
  receivedAt: Date;
}
