import { Column, Entity, PrimaryColumn } from 'typeorm';

/**
 * One simulated crossing's figures for one interval of one simulation run, as the
 * simulator reported them (SimulationReport). Keyed by run, interval and crossing, so a
 * redelivered report changes nothing.
 */
@Entity({ name: 'simulation_measurements' })
export class SimulationMeasurementEntity {
  @PrimaryColumn({ name: 'run_id', type: 'varchar', length: 96 })
  runId: string;

  @PrimaryColumn({ name: 'interval_start', type: 'timestamptz' })
  intervalStart: Date;

  @PrimaryColumn({ name: 'crossing_id', type: 'varchar', length: 32 })
  crossingId: string;

  @Column({ type: 'real' })
  throughput: number;

  @Column({ name: 'mean_delay_seconds', type: 'real' })
  meanDelaySeconds: number;

  @Column({ name: 'stops_per_vehicle', type: 'real' })
  stopsPerVehicle: number;

  @Column({ name: 'mean_queue', type: 'real' })
  meanQueue: number;

  @Column({ name: 'max_queue', type: 'real' })
  maxQueue: number;

  @Column({ name: 'plan_id', type: 'varchar', length: 96 })
  planId: string;
}

/** A simulation run's city totals for one interval (the rest of the SimulationReport). */
@Entity({ name: 'simulation_reports' })
export class SimulationReportEntity {
  @PrimaryColumn({ name: 'run_id', type: 'varchar', length: 96 })
  runId: string;

  @PrimaryColumn({ name: 'interval_start', type: 'timestamptz' })
  intervalStart: Date;

  @Column({ type: 'varchar', length: 64 })
  network: string;

  @Column({ name: 'interval_minutes', type: 'integer' })
  intervalMinutes: number;

  @Column({ type: 'jsonb' })
  city: Record<string, number>;

  @Column({ name: 'received_at', type: 'timestamptz' })
  receivedAt: Date;
}
