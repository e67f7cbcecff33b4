import { DataSource } from 'typeorm';

export interface WorkerHealth {
  buffered: number;
  bufferedBytes: number;
  sent: number;
  dropped: number;
  observationsLost: number;
  crossings: Array<{ crossingId: string; nextSeq: number; status: string; lastIntervalStart: string | null; model: { name: string; version: number } | null }>;
}

export async function workerHealth(url: string): Promise<WorkerHealth> {
  const response = await fetch(url);
  return (await response.json()) as WorkerHealth;
}

export async function forecastRows(db: DataSource, crossingId: string): Promise<Array<{ seq: number; based_on_interval_start: Date; model_name: string; model_version: number; received_at: Date }>> {
  const rows = await db.query(
    `SELECT seq::int AS seq, based_on_interval_start, model_name, model_version, received_at FROM forecasts WHERE crossing_id = $1 ORDER BY received_at, id`,
    [crossingId],
  );
  return rows;
}

/** The crossing's newest stored forecast interval (taken when a fault starts). */
export async function newestForecastInterval(db: DataSource, crossingId: string): Promise<Date> {
  const rows = await db.query(`SELECT max(based_on_interval_start) AS last FROM forecasts WHERE crossing_id = $1`, [crossingId]);
  return rows[0].last as Date;
}

/**
 * Observed intervals of a crossing present / expected from `since` (the newest forecast
 * interval when the fault began) to its newest observation: every interval must be there.
 * (Before the first live forecast, the backfill is summarised by at most 96 intervals, by design.)
 */
export async function missingObservations(db: DataSource, crossingId: string, since: Date): Promise<{ present: number; expected: number }> {
  const rows: Array<{ first: Date | null; last: Date | null; n: number }> = await db.query(
    `SELECT min(interval_start) AS first, max(interval_start) AS last, count(*)::int AS n FROM observations
     WHERE crossing_id = $1 AND approach_id = '*' AND interval_start >= $2`,
    [crossingId, since],
  );
  const { first, last, n } = rows[0];
  return { present: n, expected: first && last ? (last.getTime() - first.getTime()) / (15 * 60_000) + 1 : 0 };
}
