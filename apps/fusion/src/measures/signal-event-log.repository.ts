import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { DetectorChannelConfig, SignalEventLogMessage } from '@crosscast/contracts';

export interface StoredEventLog {
  runId: string;
  intervalStartMs: number;
  intervalMinutes: number;
  channels: DetectorChannelConfig[];
  events: Array<[number, number, number]>;
}

/**
 * Controller event logs in PostgreSQL (signal_event_logs): one row per run, crossing and
 * interval, ON CONFLICT DO NOTHING, so a redelivered log changes nothing.
 */
@Injectable()
export class SignalEventLogRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /** Returns false when this run's interval of the crossing was already stored. */
  async store(log: SignalEventLogMessage, receivedAt: Date): Promise<boolean> {
    const rows: unknown[] = await this.dataSource.query(
      `INSERT INTO signal_event_logs (run_id, crossing_id, interval_start, interval_minutes, channels, events, event_count, received_at)
       VALUES ($1, $2, $3, $4, $5::jsonb, $6::jsonb, $7, $8) ON CONFLICT DO NOTHING RETURNING run_id`,
      [log.runId, log.crossingId, log.intervalStart, log.intervalMinutes, JSON.stringify(log.channels), JSON.stringify(log.events), log.events.length, receivedAt],
    );
    return rows.length > 0;
  }

  /** End (ms) of the newest stored interval of the crossing, or null before any log. */
  async latestEnd(crossingId: string): Promise<number | null> {
    const [row] = await this.dataSource.query(
      `SELECT max(interval_start + interval_minutes * interval '1 minute') AS end FROM signal_event_logs WHERE crossing_id = $1`,
      [crossingId],
    );
    return row?.end ? new Date(row.end).getTime() : null;
  }

  /**
   * The logs of one crossing overlapping [fromMs, toMs), from the run that reported such
   * an interval last (a restarted simulator starts a new run over the same data time: its
   * logs replace the old run's, never mix with them). Oldest first.
   */
  async overlapping(crossingId: string, fromMs: number, toMs: number): Promise<StoredEventLog[]> {
    const rows: Array<Record<string, unknown>> = await this.dataSource.query(
      `WITH latest AS (
         SELECT run_id FROM signal_event_logs
         WHERE crossing_id = $1 AND interval_start < $3 AND interval_start + interval_minutes * interval '1 minute' > $2
         ORDER BY received_at DESC, interval_start DESC LIMIT 1)
       SELECT l.run_id, l.interval_start, l.interval_minutes, l.channels, l.events FROM signal_event_logs l, latest
       WHERE l.crossing_id = $1 AND l.run_id = latest.run_id AND l.interval_start < $3 AND l.interval_start + l.interval_minutes * interval '1 minute' > $2
       ORDER BY l.interval_start`,
      [crossingId, new Date(fromMs), new Date(toMs)],
    );
    return rows.map((r) => ({
      runId: r.run_id as string,
      intervalStartMs: new Date(r.interval_start as string).getTime(),
      intervalMinutes: Number(r.interval_minutes),
      channels: r.channels as DetectorChannelConfig[],
      events: r.events as Array<[number, number, number]>,
    }));
  }
}
