import { Column, Entity, PrimaryGeneratedColumn, Unique } from 'typeorm';

/** A message the fusion service refused, kept with the reason so it can be inspected. */
@Entity({ name: 'dead_letters' })
@Unique('uq_dead_letters_queue_job', ['queue', 'jobId'])
export class DeadLetterEntity {
  @PrimaryGeneratedColumn({ type: 'bigint' })
  id: string;

  @Column({ type: 'varchar', length: 64 })
  queue: string;

  @Column({ name: 'job_id', type: 'varchar', length: 128 })
  jobId: string;

  @Column({ type: 'text' })
  reason: string;

  /** The message as received (JSON), truncated to 64 KiB. */
  @Column({ type: 'text' })
  payload: string;

  @Column({ name: 'received_at', type: 'timestamptz' })
  receivedAt: Date;
}
