import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { TOTAL_APPROACH } from '@crosscast/persistence';
import { Fence } from './leadership.repository';

/** A saved fusion model's head row as stored (`fusion_state`): its records are separate. */
export interface StoredFusionState {
  formatVersion: number;
  /** JSON text of the service's bookkeeping (not the learned state: that is in the records). */
  state: string;
  fusedThrough: Date | null;
  fedThroughReceivedAt: Date | null;
  savedAt: Date;
}

/** One piece of the learned state (CityFusion.toRecords()). */
export interface FusionStateRecordValue {
  key: string;
  value: unknown;
}

/** Rows per INSERT when saving records (a crossing's record is about 150 KB: a statement stays near 10 MB). */
const RECORDS_PER_INSERT = 64;
/** Records per SELECT when loading. */
const RECORDS_PER_PAGE = 256;

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
 * The city fusion's I/O: its saved state (a head row per model in `fusion_state` and one
 * row per record in `fusion_state_records`, replaced together in one transaction) and the
 * stored rows it is rebuilt from at start-up (crossing totals only, read in pages).
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

  /** The saved records of a model, read in pages by key; each record's JSON parsed on its own. */
  async loadRecords(name: string): Promise<FusionStateRecordValue[]> {
    const records: FusionStateRecordValue[] = [];
    let after = '';
    for (;;) {
      const rows: Array<{ key: string; state: string }> = await this.dataSource.query(
        `SELECT key, state FROM fusion_state_records WHERE name = $1 AND key > $2 ORDER BY key LIMIT $3`,
        [name, after, RECORDS_PER_PAGE],
      );
      for (const r of rows) records.push({ key: r.key, value: JSON.parse(r.state) });
      if (rows.length < RECORDS_PER_PAGE) return records;
      after = rows[rows.length - 1].key;
    }
  }

  /**
   * Saves the head row and records in one transaction: a crash leaves the old state or the
   * new one, never half. With `complete`, the records are all of them and replace the saved
   * ones; otherwise they are the ones that changed, written over their saved versions.
   * Records are turned into JSON a batch at a time, so no text larger than one record is
   * built (callers pass a snapshot that no longer changes).
   */
  /**
   * `records` is a list, or chunks of records produced one at a time as the write reaches
   * them (CityFusionService reads its frozen model a chunk at a time, so a save of a whole
   * city never holds a copy of all of it). `fence` runs first inside the transaction and
   * throws to refuse the write (a deposed leader).
   */
  async save(
    name: string,
    saved: StoredFusionState,
    records: FusionStateRecordValue[] | Iterable<FusionStateRecordValue[]>,
    complete: boolean,
    fence?: Fence,
  ): Promise<void> {
    const chunks: Iterable<FusionStateRecordValue[]> = isRecordList(records) ? [records] : records;
    await this.dataSource.transaction(async (manager) => {
      if (fence) await fence(manager);
      await manager.query(
        `INSERT INTO fusion_state (name, format_version, state, fused_through, fed_through_received_at, saved_at)
         VALUES ($1, $2, $3, $4, $5, $6)
         ON CONFLICT (name) DO UPDATE SET format_version = EXCLUDED.format_version, state = EXCLUDED.state,
           fused_through = EXCLUDED.fused_through, fed_through_received_at = EXCLUDED.fed_through_received_at, saved_at = EXCLUDED.saved_at`,
        [name, saved.formatVersion, saved.state, saved.fusedThrough, saved.fedThroughReceivedAt, saved.savedAt],
      );
      if (complete) await manager.query(`DELETE FROM fusion_state_records WHERE name = $1`, [name]);
      for (const chunk of chunks) {
        for (let i = 0; i < chunk.length; i += RECORDS_PER_INSERT) {
          const batch = chunk.slice(i, i + RECORDS_PER_INSERT);
          await manager.query(
            `INSERT INTO fusion_state_records (name, key, state) SELECT $1, * FROM unnest($2::text[], $3::text[])
             ON CONFLICT (name, key) DO UPDATE SET state = EXCLUDED.state`,
            [name, batch.map((r) => r.key), batch.map((r) => JSON.stringify(r.value))],
          );
        }
      }
    });
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
   * `receivedAfter`, in data-time order (crossing totals only), a page at a time: each page
   * holds whole intervals (every forecast based on an interval, never part of one) and about
   * `pageSize` forecasts, more when one interval alone has more. Reads by the
   * (based_on_interval_start, crossing_id) index.
   */
  async *forecastsForReplay(basedOnFrom: Date, receivedAfter: Date | null, pageSize: number): AsyncGenerator<ReplayForecastRow[]> {
    let from = basedOnFrom;
    let inclusive = true;
    for (;;) {
      const ids: Array<{ based_on_interval_start: Date }> = await this.dataSource.query(
        `SELECT based_on_interval_start FROM forecasts
         WHERE (based_on_interval_start > $1 OR ($2 AND based_on_interval_start = $1)) AND ($3::timestamptz IS NULL OR received_at > $3)
         ORDER BY based_on_interval_start, crossing_id LIMIT $4`,
        [from, inclusive, receivedAfter, pageSize],
      );
      if (ids.length === 0) return;
      const full = ids.length === pageSize;
      const first = ids[0].based_on_interval_start.getTime();
      const last = ids[ids.length - 1].based_on_interval_start.getTime();
      // A full page may end inside an interval: keep whole intervals only. A page that is one
      // interval is read again in full, whatever its size.
      let untilMs = full && last > first ? last - 1 : last;
      const page = full && last === first
        ? await this.forecastsBetween(new Date(first), new Date(first), receivedAfter)
        : await this.forecastsBetween(new Date(first), new Date(untilMs), receivedAfter);
      if (page.length > 0) untilMs = page[page.length - 1].basedOnMs;
      yield page;
      if (!full) return;
      from = new Date(untilMs);
      inclusive = false;
    }
  }

  private async forecastsBetween(basedOnFrom: Date, basedOnTo: Date, receivedAfter: Date | null): Promise<ReplayForecastRow[]> {
    const rows = await this.dataSource.query(
      `SELECT f.crossing_id, f.based_on_interval_start, f.received_at, f.quality_flags,
              p.horizon_minutes, p.mean, p.lower80, p.upper80, p.lower95, p.upper95
       FROM forecasts f
       JOIN forecast_points p ON p.forecast_id = f.id AND p.approach_id = '${TOTAL_APPROACH}'
       WHERE f.based_on_interval_start BETWEEN $1 AND $2 AND ($3::timestamptz IS NULL OR f.received_at > $3)
       ORDER BY f.based_on_interval_start, f.crossing_id, p.steps_ahead`,
      [basedOnFrom, basedOnTo, receivedAfter],
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

function isRecordList(records: FusionStateRecordValue[] | Iterable<FusionStateRecordValue[]>): records is FusionStateRecordValue[] {
  return Array.isArray(records) && (records.length === 0 || !Array.isArray(records[0]));
}
