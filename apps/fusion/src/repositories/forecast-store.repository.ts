import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { CrossingDefinition, DeadLetterView, ForecastMessage, WorkerDrift, ForecastView, HeartbeatMessage, ObservationView, RecommendationView } from '@crosscast/contracts';
import { TOTAL_APPROACH } from '@crosscast/persistence';
import { toRecommendationView } from './recommendations.repository';

export type StoreOutcome =
  | { stored: true; forecastId: string }
  | { stored: false; reason: 'duplicate' }
  /** Not stored before, and its seq is more than the window behind the crossing's highest accepted seq. */
  | { stored: false; reason: 'replayed'; highestSeq: number }
  /** Its seq is more than the jump window ahead of the crossing's highest accepted seq. */
  | { stored: false; reason: 'seq-jump'; highestSeq: number };

export interface StatusRow {
  crossingId: string;
  workerStatus: string | null;
  lastHeartbeatAt: Date | null;
  lastForecastIntervalStart: Date | null;
  lastObservedTotal: number | null;
  model: ForecastView['model'] | null;
  drift: WorkerDrift | null;
}

const MAX_DEAD_LETTER_PAYLOAD = 64 * 1024;

/**
 * Everything the fusion service reads and writes in PostgreSQL. Writes are idempotent:
 * a forecast is keyed by its message id and every insert is ON CONFLICT, so a redelivered
 * message changes nothing.
 */
@Injectable()
export class ForecastStoreRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  async upsertCrossings(crossings: CrossingDefinition[]): Promise<void> {
    if (crossings.length === 0) return;
    const params: unknown[] = [];
    const rows = crossings.map((c, i) => {
      params.push(c.id, c.name, c.lat, c.lon, JSON.stringify(c.approaches));
      const o = i * 5;
      return `($${o + 1}, $${o + 2}, $${o + 3}, $${o + 4}, $${o + 5}::jsonb)`;
    });
    await this.dataSource.query(
      `INSERT INTO crossings (id, name, lat, lon, approaches) VALUES ${rows.join(', ')}
       ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name, lat = EXCLUDED.lat, lon = EXCLUDED.lon,
         approaches = EXCLUDED.approaches, updated_at = now()`,
      params,
    );
    await this.dataSource.query(
      `INSERT INTO crossing_status (crossing_id) SELECT id FROM crossings ON CONFLICT (crossing_id) DO NOTHING`,
    );
  }

  /**
   * Stores a validated forecast, its points and its observed interval, once, in one
   * transaction: a crash half-way leaves nothing, and the redelivered message then stores
   * all of it. (Recommendations are planned afterwards, once per crossing and planning
   * period: RecommendationService.)
   *
   * Order of the checks, safe under BullMQ's concurrent and repeated delivery:
   * 1. already stored (same message id, or same crossing and interval) → 'duplicate', a no-op;
   * 2. the crossing's status row is locked (FOR UPDATE), so one crossing's forecasts pass
   *    this point one at a time; a seq more than `seqWindow` behind the highest accepted
   *    one is 'replayed', one more than `seqJumpWindow` ahead is 'seq-jump' (nothing written);
   * 3. insert (ON CONFLICT DO NOTHING covers a concurrent twin that got in first), and
   *    raise the highest accepted seq.
   */
  async storeForecast(message: ForecastMessage, receivedAt: Date, seqWindow = Number.MAX_SAFE_INTEGER, seqJumpWindow = Number.MAX_SAFE_INTEGER): Promise<StoreOutcome> {
    return this.dataSource.transaction(async (manager) => {
      const known: unknown[] = await manager.query(
        `SELECT 1 FROM forecasts WHERE message_id = $1 OR (crossing_id = $2 AND based_on_interval_start = $3) LIMIT 1`,
        [message.messageId, message.crossingId, message.basedOnIntervalStart],
      );
      if (known.length > 0) return { stored: false, reason: 'duplicate' } as const;
      const status: Array<{ last_forecast_seq: string | null }> = await manager.query(
        `SELECT last_forecast_seq FROM crossing_status WHERE crossing_id = $1 FOR UPDATE`,
        [message.crossingId],
      );
      const highestSeq = status[0]?.last_forecast_seq === null || status[0] === undefined ? null : Number(status[0].last_forecast_seq);
      if (highestSeq !== null && message.seq < highestSeq - seqWindow) return { stored: false, reason: 'replayed', highestSeq } as const;
      if (highestSeq !== null && message.seq > highestSeq + seqJumpWindow) return { stored: false, reason: 'seq-jump', highestSeq } as const;
      const inserted: Array<{ id: string }> = await manager.query(
        `INSERT INTO forecasts (message_id, crossing_id, seq, based_on_interval_start, interval_minutes, model_name, model_version,
           model_backend, trained_on_intervals, real_input_share, quality_flags, sent_at, received_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11::jsonb, $12, $13)
         ON CONFLICT DO NOTHING RETURNING id`,
        [
          message.messageId,
          message.crossingId,
          message.seq,
          message.basedOnIntervalStart,
          message.intervalMinutes,
          message.model.name,
          message.model.version,
          message.model.backend,
          message.model.trainedOnIntervals,
          message.quality.realInputShare,
          JSON.stringify(message.quality.flags),
          message.sentAt,
          receivedAt,
        ],
      );
      if (inserted.length === 0) return { stored: false, reason: 'duplicate' } as const;
      const forecastId = inserted[0].id;
      await this.insertPoints(manager, forecastId, message);
      await this.upsertObservation(manager, message);
      await manager.query(
        `INSERT INTO crossing_status (crossing_id, last_forecast_interval_start, last_observed_total, model, last_forecast_seq)
         VALUES ($1, $2, $3, $4::jsonb, $5)
         ON CONFLICT (crossing_id) DO UPDATE SET
           last_forecast_seq = GREATEST(crossing_status.last_forecast_seq, EXCLUDED.last_forecast_seq),
           last_forecast_interval_start = GREATEST(crossing_status.last_forecast_interval_start, EXCLUDED.last_forecast_interval_start),
           last_observed_total = CASE WHEN crossing_status.last_forecast_interval_start IS NULL
             OR EXCLUDED.last_forecast_interval_start >= crossing_status.last_forecast_interval_start
             THEN EXCLUDED.last_observed_total ELSE crossing_status.last_observed_total END,
           model = CASE WHEN crossing_status.last_forecast_interval_start IS NULL
             OR EXCLUDED.last_forecast_interval_start >= crossing_status.last_forecast_interval_start
             THEN EXCLUDED.model ELSE crossing_status.model END`,
        [message.crossingId, message.basedOnIntervalStart, message.observed.total, JSON.stringify(message.model), message.seq],
      );
      return { stored: true, forecastId } as const;
    });
  }

  private async insertPoints(manager: EntityManager, forecastId: string, message: ForecastMessage): Promise<void> {
    const params: unknown[] = [];
    const rows: string[] = [];
    for (const horizon of message.horizons) {
      const entries: Array<[string, ForecastMessage['horizons'][number]['total']]> = [[TOTAL_APPROACH, horizon.total], ...Object.entries(horizon.approaches)];
      for (const [approachId, b] of entries) {
        const o = params.length;
        params.push(forecastId, horizon.stepsAhead, approachId, message.crossingId, horizon.horizonMinutes, horizon.intervalStart, b.mean, b.lower80, b.upper80, b.lower95, b.upper95);
        rows.push(`(${Array.from({ length: 11 }, (_, k) => `$${o + k + 1}`).join(', ')})`);
      }
    }
    await manager.query(
      `INSERT INTO forecast_points (forecast_id, steps_ahead, approach_id, crossing_id, horizon_minutes, target_interval_start,
         mean, lower80, upper80, lower95, upper95) VALUES ${rows.join(', ')} ON CONFLICT DO NOTHING`,
      params,
    );
  }

  /** The forecast's observed interval and any earlier ones it carries (at most 97 x 17 rows, well under the bind limit). */
  private async upsertObservation(manager: EntityManager, message: ForecastMessage): Promise<void> {
    const params: unknown[] = [];
    const rows: string[] = [];
    for (const observed of [...(message.earlierObserved ?? []), message.observed]) {
      const entries: Array<[string, number | null]> = [[TOTAL_APPROACH, observed.total], ...Object.entries(observed.approaches)];
      for (const [approachId, count] of entries) {
        const o = params.length;
        params.push(message.crossingId, observed.intervalStart, approachId, count, observed.filledShare);
        rows.push(`($${o + 1}, $${o + 2}, $${o + 3}, $${o + 4}, $${o + 5})`);
      }
    }
    await manager.query(
      `INSERT INTO observations (crossing_id, interval_start, approach_id, count, filled_share) VALUES ${rows.join(', ')}
       ON CONFLICT (crossing_id, interval_start, approach_id) DO UPDATE SET count = EXCLUDED.count, filled_share = EXCLUDED.filled_share`,
      params,
    );
  }

  async recordDeadLetter(queue: string, jobId: string, reason: string, payload: unknown, receivedAt: Date): Promise<void> {
    let text: string;
    try {
      text = JSON.stringify(payload) ?? String(payload);
    } catch {
      text = String(payload);
    }
    await this.dataSource.query(
      `INSERT INTO dead_letters (queue, job_id, reason, payload, received_at) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (queue, job_id) DO NOTHING`,
      [queue, jobId, withoutNul(reason).slice(0, 4000), withoutNul(text).slice(0, MAX_DEAD_LETTER_PAYLOAD), receivedAt],
    );
  }

  /** Forgets the crossing's highest accepted forecast and heartbeat seqs; returns what they were. */
  async resetSequence(crossingId: string): Promise<{ forecastSeq: number | null; heartbeatSeq: number | null }> {
    return this.dataSource.transaction(async (manager) => {
      const rows: Array<{ last_forecast_seq: string | null; last_heartbeat_seq: string | null }> = await manager.query(
        `SELECT last_forecast_seq, last_heartbeat_seq FROM crossing_status WHERE crossing_id = $1 FOR UPDATE`,
        [crossingId],
      );
      await manager.query(`UPDATE crossing_status SET last_forecast_seq = NULL, last_heartbeat_seq = NULL WHERE crossing_id = $1`, [crossingId]);
      const toNumber = (v: string | null | undefined) => (v === null || v === undefined ? null : Number(v));
      return { forecastSeq: toNumber(rows[0]?.last_forecast_seq), heartbeatSeq: toNumber(rows[0]?.last_heartbeat_seq) };
    });
  }

  async recordHeartbeat(heartbeat: HeartbeatMessage, receivedAt: Date): Promise<void> {
    // Heartbeats are consumed one at a time, in order, so the newest simply wins.
    await this.dataSource.query(
      `INSERT INTO crossing_status (crossing_id, worker_status, last_heartbeat_at, last_heartbeat_seq, model, drift)
       VALUES ($1, $2, $3, $4, $5::jsonb, $6::jsonb)
       ON CONFLICT (crossing_id) DO UPDATE SET worker_status = EXCLUDED.worker_status, last_heartbeat_at = EXCLUDED.last_heartbeat_at,
         last_heartbeat_seq = EXCLUDED.last_heartbeat_seq, model = COALESCE(EXCLUDED.model, crossing_status.model), drift = EXCLUDED.drift`,
      [heartbeat.crossingId, heartbeat.status, receivedAt, heartbeat.seq, heartbeat.model ? JSON.stringify(heartbeat.model) : null, heartbeat.drift ? JSON.stringify(heartbeat.drift) : null],
    );
  }

  async statuses(): Promise<StatusRow[]> {
    const rows = await this.dataSource.query(
      `SELECT crossing_id, worker_status, last_heartbeat_at, last_forecast_interval_start, last_observed_total, model, drift FROM crossing_status ORDER BY crossing_id`,
    );
    return rows.map((r: Record<string, unknown>) => ({
      crossingId: r.crossing_id as string,
      workerStatus: r.worker_status as string | null,
      lastHeartbeatAt: r.last_heartbeat_at as Date | null,
      lastForecastIntervalStart: r.last_forecast_interval_start as Date | null,
      lastObservedTotal: r.last_observed_total as number | null,
      model: r.model as StatusRow['model'],
      drift: (r.drift as StatusRow['drift']) ?? null,
    }));
  }

  /** Forecasts of one crossing whose based-on interval lies in [from, to], oldest first. */
  async forecasts(crossingId: string, from: Date, to: Date, limit: number): Promise<ForecastView[]> {
    const headers = await this.dataSource.query(
      `SELECT * FROM forecasts WHERE crossing_id = $1 AND based_on_interval_start BETWEEN $2 AND $3
       ORDER BY based_on_interval_start LIMIT $4`,
      [crossingId, from, to, limit],
    );
    return this.withPoints(headers);
  }

  async latestForecast(crossingId: string): Promise<ForecastView | null> {
    const headers = await this.dataSource.query(
      `SELECT * FROM forecasts WHERE crossing_id = $1 ORDER BY based_on_interval_start DESC LIMIT 1`,
      [crossingId],
    );
    return (await this.withPoints(headers))[0] ?? null;
  }

  /** Each crossing's newest forecast. */
  async latestForecasts(): Promise<ForecastView[]> {
    const headers = await this.dataSource.query(
      `SELECT DISTINCT ON (crossing_id) * FROM forecasts ORDER BY crossing_id, based_on_interval_start DESC`,
    );
    return this.withPoints(headers);
  }

  async forecastById(forecastId: string): Promise<ForecastView | null> {
    const headers = await this.dataSource.query(`SELECT * FROM forecasts WHERE id = $1`, [forecastId]);
    return (await this.withPoints(headers))[0] ?? null;
  }

  async recentObservations(crossingId: string, limit: number): Promise<ObservationView[]> {
    const rows = await this.dataSource.query(
      `SELECT interval_start, approach_id, count, filled_share FROM observations
       WHERE crossing_id = $1 AND interval_start >= (
         SELECT COALESCE(MIN(interval_start), 'epoch') FROM (
           SELECT interval_start FROM observations WHERE crossing_id = $1 AND approach_id = '${TOTAL_APPROACH}'
           ORDER BY interval_start DESC LIMIT $2) recent)
       ORDER BY interval_start`,
      [crossingId, limit],
    );
    const byInterval = new Map<string, ObservationView>();
    for (const row of rows) {
      const key = (row.interval_start as Date).toISOString();
      let view = byInterval.get(key);
      if (!view) {
        view = { crossingId, intervalStart: key, total: null, approaches: {}, filledShare: row.filled_share };
        byInterval.set(key, view);
      }
      if (row.approach_id === TOTAL_APPROACH) view.total = row.count;
      else view.approaches[row.approach_id] = row.count;
    }
    return [...byInterval.values()];
  }

  async recommendations(crossingId: string | undefined, limit: number): Promise<RecommendationView[]> {
    const rows = crossingId
      ? await this.dataSource.query(`SELECT * FROM recommendations WHERE crossing_id = $1 ORDER BY planning_period_start DESC LIMIT $2`, [crossingId, limit])
      : await this.dataSource.query(`SELECT * FROM recommendations ORDER BY planning_period_start DESC, crossing_id LIMIT $1`, [limit]);
    return rows.map(toRecommendationView);
  }

  /** Refused messages, newest first: what was wrong, and what arrived (payload cut to 2 KiB here). */
  async deadLetters(queue: string | undefined, limit: number): Promise<DeadLetterView[]> {
    const rows = queue
      ? await this.dataSource.query(`SELECT id, queue, job_id, reason, left(payload, 2048) AS payload, received_at FROM dead_letters WHERE queue = $1 ORDER BY id DESC LIMIT $2`, [queue, limit])
      : await this.dataSource.query(`SELECT id, queue, job_id, reason, left(payload, 2048) AS payload, received_at FROM dead_letters ORDER BY id DESC LIMIT $1`, [limit]);
    return rows.map((r: Record<string, unknown>) => ({
      id: String(r.id),
      queue: r.queue as string,
      jobId: r.job_id as string,
      reason: r.reason as string,
      payload: r.payload as string,
      receivedAt: (r.received_at as Date).toISOString(),
    }));
  }

  async ping(): Promise<void> {
    await this.dataSource.query('SELECT 1');
  }

  private async withPoints(headers: Array<Record<string, unknown>>): Promise<ForecastView[]> {
    if (headers.length === 0) return [];
    const ids = headers.map((h) => h.id as string);
    const points = await this.dataSource.query(
      `SELECT * FROM forecast_points WHERE forecast_id = ANY($1::bigint[]) ORDER BY forecast_id, steps_ahead, approach_id`,
      [ids],
    );
    const views = new Map<string, ForecastView>();
    for (const h of headers) {
      views.set(String(h.id), {
        messageId: h.message_id as string,
        crossingId: h.crossing_id as string,
        basedOnIntervalStart: (h.based_on_interval_start as Date).toISOString(),
        intervalMinutes: h.interval_minutes as number,
        receivedAt: (h.received_at as Date).toISOString(),
        model: { name: h.model_name as string, version: h.model_version as number, backend: h.model_backend as string, trainedOnIntervals: h.trained_on_intervals as number },
        realInputShare: h.real_input_share as number,
        qualityFlags: h.quality_flags as string[],
        horizons: [],
      });
    }
    for (const p of points) {
      const view = views.get(String(p.forecast_id));
      if (!view) continue;
      let horizon = view.horizons.find((x) => x.stepsAhead === p.steps_ahead);
      if (!horizon) {
        horizon = { stepsAhead: p.steps_ahead, horizonMinutes: p.horizon_minutes, intervalStart: (p.target_interval_start as Date).toISOString(), total: undefined as never, approaches: {} };
        view.horizons.push(horizon);
      }
      const b = { mean: p.mean, lower80: p.lower80, upper80: p.upper80, lower95: p.lower95, upper95: p.upper95 };
      if (p.approach_id === TOTAL_APPROACH) horizon.total = b;
      else horizon.approaches[p.approach_id] = b;
    }
    return [...views.values()];
  }
}

/** PostgreSQL text cannot hold NUL; a refused message's reason may quote one (zod quotes the value it got). */
function withoutNul(text: string): string {
  return text.replace(/\u0000/g, '\\u0000');
}

/** SQLSTATE class 22 (data exception): the values themselves are unstorable, so a retry cannot help. */
export function isDataException(error: unknown): boolean {
  const code = (error as { code?: string; driverError?: { code?: string } })?.driverError?.code ?? (error as { code?: string })?.code;
  return typeof code === 'string' && code.startsWith('22');
}
