import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/**
 * One crossing's controller event log for one interval of one simulation run
 * (SignalEventLogMessage): `events` are [ms after intervalStart, code, parameter] rows,
 * `channels` its detector channel configuration. The measures are computed from these on
 * read (GET /api/crossings/:id/measures).
 */
@Entity({ name: 'signal_event_logs' })
@Index('IDX_signal_event_logs_crossing', ['crossingId', 'intervalStart'])
export class SignalEventLogEntity {
  @PrimaryColumn({ name: 'run_id', type: 'varchar', length: 96 })
  runId: string;

  @PrimaryColumn({ name: 'crossing_id', type: 'varchar', length: 32 })
  crossingId: string;

  @PrimaryColumn({ name: 'interval_start', type: 'timestamptz' })
  intervalStart: Date;

  @Column({ name: 'interval_minutes', type: 'integer' })
  intervalMinutes: number;

  @Column({ type: 'jsonb' })
  channels: unknown[];

  @Column({ type: 'jsonb' })
  events: Array<[number, number, number]>;

  @Column({ name: 'event_count', type: 'integer' })
  eventCount: number;

  @Column({ name: 'received_at', type: 'timestamptz' })
  receivedAt: Date;
}
