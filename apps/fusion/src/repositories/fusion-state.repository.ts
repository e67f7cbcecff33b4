import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { TOTAL_APPROACH } from '@crosscast/persistence';

/** A saved fusion model as stored (`fusion_state`). */
export interface StoredFusionState {
  formatVersion: number;
  /** JSON text. */
  state: string;
  fusedThrough: Date | null;
  fedThroughReceivedAt: Date | null;
  savedAt: Date;
}

/** One stored forecast as the city fusion reads it: crossing totals only. */
export interface ReplayForecastRow {
  crossingId: string;
  basedOnMs: number;
  receivedAtMs: number;
  qualityFlags: string[];
  points: Array<{ horizonMinutes: number; mean: number; lower80: number; upper80: number; lower95: number; upper95: number }>;
}

/** One stored observed crossing total. */
export interface ReplayObservationRow {
  crossingId: string;
  intervalStartMs: number;
  total: number;
  filledShare: number;
}

/**
 * The city fusion's I/O: its saved state (one row per model, replaced atomically by a single
 * upsert) and the stored rows it is rebuilt from at start-up (crossing totals only).
 */
@Injectable()
export class FusionStateRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  async load(name: string): Promise<StoredFusionState | null> {
    const rows = await this.dataSource.query(
      `SELECT format_version, state, fused_through, fed_through_received_at, saved_at FROM fusion_state WHERE name = $1`,
      [name],
    );
    if (rows.length === 0) return null;
    const r = rows[0];
    return { formatVersion: r.format_version, state: r.state, fusedThrough: r.fused_through, fedThroughReceivedAt: r.fed_through_received_at, savedAt: r.saved_at };
  }

  /** Replaces the saved state in one statement: a crash leaves the old row or the new one, never half. */
  async save(name: string, saved: StoredFusionState): Promise<void> {
    await this.dataSource.query(
      `INSERT INTO fusion_state (name, format_version, state, fused_through, fed_through_received_at, saved_at)
       VALUES ($1, $2, $3, $4, $5, $6)
       ON CONFLICT (name) DO UPDATE SET format_version = EXCLUDED.format_version, state = EXCLUDED.state,
         fused_through = EXCLUDED.fused_through, fed_through_received_at = EXCLUDED.fed_through_received_at, saved_at = EXCLUDED.saved_at`,
      [name, saved.formatVersion, saved.state, saved.fusedThrough, saved.fedThroughReceivedAt, saved.savedAt],
    );
  }

  async delete(name: string): Promise<void> {
    await this.dataSource.query(`DELETE FROM fusion_state WHERE name = $1`, [name]);
  }

  /** The newest based-on interval of any stored forecast (null: none stored). */
  async newestForecastInterval(): Promise<Date | null> {
    const [row] = await this.dataSource.query(`SELECT max(based_on_interval_start) AS newest FROM forecasts`);
    return row?.newest ?? null;
  }

  /**
   * Stored forecasts based on `basedOnFrom` or later and, when given, received after
   * `receivedAfter`, oldest interval first, at most `limit` (crossing totals only).
   */
  async forecastsForReplay(basedOnFrom: Date, receivedAfter: Date | null, limit: number): Promise<ReplayForecastRow[]> {
    const rows = await this.dataSource.query(
      `SELECT f.crossing_id, f.based_on_interval_start, f.received_at, f.quality_flags,
              p.horizon_minutes, p.mean, p.lower80, p.upper80, p.lower95, p.upper95
       FROM (SELECT id, crossing_id, based_on_interval_start, received_at, quality_flags FROM forecasts
             WHERE based_on_interval_start >= $1 AND ($2::timestamptz IS NULL OR received_at > $2)
             ORDER BY based_on_interval_start, crossing_id LIMIT $3) f
       JOIN forecast_points p ON p.forecast_id = f.id AND p.approach_id = '${TOTAL_APPROACH}'
       ORDER BY f.based_on_interval_start, f.crossing_id, p.steps_ahead`,
      [basedOnFrom, receivedAfter, limit],
    );
    const out: ReplayForecastRow[] = [];
    let current: ReplayForecastRow | null = null;
    for (const r of rows) {
      const basedOnMs = (r.based_on_interval_start as Date).getTime();
      if (!current || current.crossingId !== r.crossing_id || current.basedOnMs !== basedOnMs) {
        current = { crossingId: r.crossing_id, basedOnMs, receivedAtMs: (r.received_at as Date).getTime(), qualityFlags: r.quality_flags ?? [], points: [] };
        out.push(current);
      }
      current.points.push({ horizonMinutes: r.horizon_minutes, mean: r.mean, lower80: r.lower80, upper80: r.upper80, lower95: r.lower95, upper95: r.upper95 });
    }
    return out;
  }

  /** Observed crossing totals inside each crossing's window [from, to], oldest first. */
  async observationsForReplay(windows: Array<{ crossingId: string; from: Date; to: Date }>): Promise<ReplayObservationRow[]> {
    if (windows.length === 0) return [];
    const rows = await this.dataSource.query(
      `SELECT o.crossing_id, o.interval_start, o.count, o.filled_share
       FROM observations o
       JOIN unnest($1::text[], $2::timestamptz[], $3::timestamptz[]) AS w(crossing_id, from_t, to_t)
         ON o.crossing_id = w.crossing_id AND o.interval_start BETWEEN w.from_t AND w.to_t
       WHERE o.approach_id = '${TOTAL_APPROACH}' AND o.count IS NOT NULL
       ORDER BY o.interval_start, o.crossing_id`,
      [windows.map((w) => w.crossingId), windows.map((w) => w.from), windows.map((w) => w.to)],
    );
    return rows.map((r: Record<string, unknown>) => ({
      crossingId: r.crossing_id as string,
      intervalStartMs: (r.interval_start as Date).getTime(),
      total: r.count as number,
      filledShare: r.filled_share as number,
    }));
  }
}
