import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { SimulatedCrossingView, SimulationReport, SimulationSnapshotView } from '@crosscast/contracts';

/** Rows per INSERT: 9 parameters each, far below PostgreSQL's 65,535 bind parameters. */
const ROWS_PER_INSERT = 1000;

/**
 * The simulator's measurements in PostgreSQL. A report is keyed by (run, interval) and
 * its crossings by (run, interval, crossing); everything is ON CONFLICT DO NOTHING inside
 * one transaction, so a redelivered report changes nothing and no report is half stored.
 */
@Injectable()
export class SimulationStoreRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /** Returns false when this run's interval was already stored. */
  async storeReport(report: SimulationReport, receivedAt: Date): Promise<boolean> {
    return this.dataSource.transaction(async (manager) => {
      const inserted: unknown[] = await manager.query(
        `INSERT INTO simulation_reports (run_id, interval_start, network, interval_minutes, city, received_at)
         VALUES ($1, $2, $3, $4, $5::jsonb, $6) ON CONFLICT (run_id, interval_start) DO NOTHING RETURNING run_id`,
        [report.runId, report.intervalStart, report.network, report.intervalMinutes, JSON.stringify(report.city), receivedAt],
      );
      if (inserted.length === 0) return false;
      for (let start = 0; start < report.crossings.length; start += ROWS_PER_INSERT) {
        const chunk = report.crossings.slice(start, start + ROWS_PER_INSERT);
        const params: unknown[] = [];
        const rows = chunk.map((c) => {
          const base = params.length;
          params.push(report.runId, report.intervalStart, c.crossingId, c.throughput, c.meanDelaySeconds, c.stopsPerVehicle, c.meanQueue, c.maxQueue, c.planId);
          return `(${Array.from({ length: 9 }, (_, i) => `$${base + i + 1}`).join(', ')})`;
        });
        await manager.query(
          `INSERT INTO simulation_measurements (run_id, interval_start, crossing_id, throughput, mean_delay_seconds, stops_per_vehicle, mean_queue, max_queue, plan_id)
           VALUES ${rows.join(', ')} ON CONFLICT DO NOTHING`,
          params,
        );
      }
      return true;
    });
  }

  /** The newest interval of the run that reported last, or null before any report. */
  async latest(): Promise<SimulationSnapshotView | null> {
    const [report] = await this.dataSource.query(
      `SELECT run_id, interval_start, network, interval_minutes, city FROM simulation_reports ORDER BY received_at DESC, interval_start DESC LIMIT 1`,
    );
    if (!report) return null;
    const rows = await this.dataSource.query(
      `SELECT * FROM simulation_measurements WHERE run_id = $1 AND interval_start = $2 ORDER BY crossing_id`,
      [report.run_id, report.interval_start],
    );
    return {
      runId: report.run_id,
      network: report.network,
      intervalStart: new Date(report.interval_start).toISOString(),
      intervalMinutes: report.interval_minutes,
      city: report.city,
      crossings: rows.map(toView),
    };
  }

  /** One crossing's measured intervals in the newest run, newest first. */
  async crossingSeries(crossingId: string, limit: number): Promise<SimulatedCrossingView[]> {
    const rows = await this.dataSource.query(
      `SELECT m.* FROM simulation_measurements m
       WHERE m.crossing_id = $1 AND m.run_id = (SELECT run_id FROM simulation_reports ORDER BY received_at DESC, interval_start DESC LIMIT 1)
       ORDER BY m.interval_start DESC LIMIT $2`,
      [crossingId, limit],
    );
    return rows.map(toView);
  }
}

function toView(row: Record<string, unknown>): SimulatedCrossingView {
  return {
    crossingId: row.crossing_id as string,
    intervalStart: new Date(row.interval_start as string).toISOString(),
    throughput: Number(row.throughput),
    meanDelaySeconds: Number(row.mean_delay_seconds),
    stopsPerVehicle: Number(row.stops_per_vehicle),
    meanQueue: Number(row.mean_queue),
    maxQueue: Number(row.max_queue),
    planId: row.plan_id as string,
  };
}
