import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { CrossingDefinition, DRIFT_ALERT_RATIO, DeadLetterView, ForecastMessage, WorkerDrift, ForecastView, HeartbeatMessage, ObservationView, RecommendationView } from '@crosscast/contracts';
import { TOTAL_APPROACH } from '@crosscast/persistence';
import { toRecommendationView } from './recommendations.repository';
import { insertColumns } from './insert-columns';

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
  /** The newest planning verdict when it was congested (crossing_congestion), else null. */
  congestion: { periodStart: Date; since: Date; reason: string } | null;
  /** Episode starts (migration 1765840000000): first degraded heartbeat of the run, first drifting one, the forecast when it went stale. */
  degradedSince: Date | null;
  driftingSince: Date | null;
  staleSince: Date | null;
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
    await insertColumns(
      this.dataSource,
      'crossings',
      [['id', 'text'], ['name', 'text'], ['lat', 'float8'], ['lon', 'float8'], ['approaches', 'jsonb']],
      crossings.map((c) => [c.id, c.name, c.lat, c.lon, JSON.stringify(c.approaches)]),
      `ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name, lat = EXCLUDED.lat, lon = EXCLUDED.lon,
         approaches = EXCLUDED.approaches, updated_at = now()`,
    );
    await this.dataSource.query(
      `INSERT INTO crossing_status (crossing_id) SELECT id FROM crossings ON CONFLICT (crossing_id) DO NOTHING`,
    );
  }

  /** One forecast: `storeForecasts` with a batch of one. */
  async storeForecast(message: ForecastMessage, receivedAt: Date, seqWindow = Number.MAX_SAFE_INTEGER, seqJumpWindow = Number.MAX_SAFE_INTEGER): Promise<StoreOutcome> {
    return (await this.storeForecasts([message], receivedAt, seqWindow, seqJumpWindow))[0];
  }

  /**
   * Stores a batch of validated forecasts, their points and their observed intervals, each
   * once, in one transaction: a crash half-way leaves nothing, and the redelivered messages
   * then store all of it. Returns one outcome per message, in the order given.
   * (Recommendations are planned afterwards, once per crossing and planning period:
   * RecommendationService.)
   *
   * Safe under BullMQ's concurrent and repeated delivery, and under several batches at once:
   * 1. the status rows of the batch's crossings are locked (FOR UPDATE) in crossing id order,
   *    so concurrent batches touching the same crossings queue up instead of deadlocking,
   *    and one crossing's forecasts pass the checks below one batch at a time;
   * 2. a message already stored (same message id, or same crossing and interval), or
   *    repeated earlier in the batch, is a 'duplicate' no-op;
   * 3. then, in batch order, exactly as if the messages came one by one: a seq more than
   *    `seqWindow` behind the crossing's highest accepted one is 'replayed', one more than
   *    `seqJumpWindow` ahead is 'seq-jump' (nothing written for either), and an accepted
   *    one raises the highest accepted seq for the messages after it;
   * 4. one INSERT … SELECT FROM unnest per table (insertColumns: ON CONFLICT DO NOTHING for
   *    forecasts and points, last write in batch order wins for observations), and one
   *    status upsert per crossing.
   */
  async storeForecasts(messages: ForecastMessage[], receivedAt: Date, seqWindow = Number.MAX_SAFE_INTEGER, seqJumpWindow = Number.MAX_SAFE_INTEGER): Promise<StoreOutcome[]> {
    if (messages.length === 0) return [];
    return this.dataSource.transaction(async (manager) => {
      const crossingIds = [...new Set(messages.map((m) => m.crossingId))].sort();
      const locked: Array<{ crossing_id: string; last_forecast_seq: string | null }> = await manager.query(
        `SELECT crossing_id, last_forecast_seq FROM crossing_status WHERE crossing_id = ANY($1::text[]) ORDER BY crossing_id FOR UPDATE`,
        [crossingIds],
      );
      const highest = new Map<string, number | null>(locked.map((r) => [r.crossing_id, r.last_forecast_seq === null ? null : Number(r.last_forecast_seq)]));
      const intervalKey = (crossingId: string, basedOn: string | number | Date) => `${crossingId}|${new Date(basedOn).getTime()}`;
      const known: Array<{ message_id: string; crossing_id: string; based_on_interval_start: Date }> = await manager.query(
        `SELECT message_id, crossing_id, based_on_interval_start FROM forecasts
         WHERE message_id = ANY($1::text[])
            OR (crossing_id, based_on_interval_start) IN (SELECT * FROM unnest($2::text[], $3::timestamptz[]))`,
        [messages.map((m) => m.messageId), messages.map((m) => m.crossingId), messages.map((m) => m.basedOnIntervalStart)],
      );
      const seenIds = new Set(known.map((k) => k.message_id));
      const seenIntervals = new Set(known.map((k) => intervalKey(k.crossing_id, k.based_on_interval_start)));

      const outcomes: Array<StoreOutcome | null> = [];
      const accepted: Array<{ index: number; message: ForecastMessage }> = [];
      messages.forEach((message, index) => {
        const interval = intervalKey(message.crossingId, message.basedOnIntervalStart);
        if (seenIds.has(message.messageId) || seenIntervals.has(interval)) {
          outcomes.push({ stored: false, reason: 'duplicate' });
          return;
        }
        const top = highest.get(message.crossingId) ?? null;
        if (top !== null && message.seq < top - seqWindow) {
          outcomes.push({ stored: false, reason: 'replayed', highestSeq: top });
          return;
        }
        if (top !== null && message.seq > top + seqJumpWindow) {
          outcomes.push({ stored: false, reason: 'seq-jump', highestSeq: top });
          return;
        }
        seenIds.add(message.messageId);
        seenIntervals.add(interval);
        if (highest.has(message.crossingId)) highest.set(message.crossingId, top === null ? message.seq : Math.max(top, message.seq));
        outcomes.push(null);
        accepted.push({ index, message });
      });
      if (accepted.length === 0) return outcomes as StoreOutcome[];

      const inserted = await insertColumns(
        manager,
        'forecasts',
        [
          ['message_id', 'text'], ['crossing_id', 'text'], ['seq', 'bigint'], ['based_on_interval_start', 'timestamptz'], ['interval_minutes', 'integer'],
          ['model_name', 'text'], ['model_version', 'integer'], ['model_backend', 'text'], ['trained_on_intervals', 'integer'],
          ['real_input_share', 'float8'], ['quality_flags', 'jsonb'], ['sent_at', 'timestamptz'], ['received_at', 'timestamptz'],
        ],
        accepted.map(({ message }) => [
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
        ]),
        `ON CONFLICT DO NOTHING RETURNING id, message_id`,
      );
      const idByMessage = new Map(inserted.map((r) => [r.message_id as string, String(r.id)]));
      const stored = accepted.filter(({ message }) => idByMessage.has(message.messageId));
      for (const { index, message } of accepted) {
        const forecastId = idByMessage.get(message.messageId);
        outcomes[index] = forecastId ? { stored: true, forecastId } : { stored: false, reason: 'duplicate' };
      }
      if (stored.length === 0) return outcomes as StoreOutcome[];

      const points: unknown[][] = [];
      for (const { message } of stored) {
        const forecastId = idByMessage.get(message.messageId);
        for (const horizon of message.horizons) {
          const entries: Array<[string, ForecastMessage['horizons'][number]['total']]> = [[TOTAL_APPROACH, horizon.total], ...Object.entries(horizon.approaches)];
          for (const [approachId, b] of entries) {
            points.push([forecastId, horizon.stepsAhead, approachId, message.crossingId, horizon.horizonMinutes, horizon.intervalStart, b.mean, b.lower80, b.upper80, b.lower95, b.upper95]);
          }
        }
      }
      await insertColumns(
        manager,
        'forecast_points',
        [
          ['forecast_id', 'bigint'], ['steps_ahead', 'integer'], ['approach_id', 'text'], ['crossing_id', 'text'], ['horizon_minutes', 'integer'],
          ['target_interval_start', 'timestamptz'], ['mean', 'float8'], ['lower80', 'float8'], ['upper80', 'float8'], ['lower95', 'float8'], ['upper95', 'float8'],
        ],
        points,
        `ON CONFLICT DO NOTHING`,
      );

      // Observations: the same interval may arrive in several forecasts of the batch (the
      // observed one of one forecast is an earlier one of the next); the last one in batch
      // order wins, as it would one message at a time.
      const observations = new Map<string, unknown[]>();
      for (const { message } of stored) {
        for (const observed of [...(message.earlierObserved ?? []), message.observed]) {
          const entries: Array<[string, number | null]> = [[TOTAL_APPROACH, observed.total], ...Object.entries(observed.approaches)];
          for (const [approachId, count] of entries) {
            const key = `${message.crossingId}|${new Date(observed.intervalStart).getTime()}|${approachId}`;
            observations.delete(key);
            observations.set(key, [message.crossingId, observed.intervalStart, approachId, count, observed.filledShare]);
          }
        }
      }
      await insertColumns(
        manager,
        'observations',
        [['crossing_id', 'text'], ['interval_start', 'timestamptz'], ['approach_id', 'text'], ['count', 'integer'], ['filled_share', 'float8']],
        [...observations.values()],
        `ON CONFLICT (crossing_id, interval_start, approach_id) DO UPDATE SET count = EXCLUDED.count, filled_share = EXCLUDED.filled_share`,
      );

      // One status row per crossing: the highest seq and interval, and the observed total and
      // model of its newest forecast (the later one in batch order on a tie).
      const perCrossing = new Map<string, { seq: number; newest: ForecastMessage }>();
      for (const { message } of stored) {
        const current = perCrossing.get(message.crossingId);
        if (!current) perCrossing.set(message.crossingId, { seq: message.seq, newest: message });
        else {
          current.seq = Math.max(current.seq, message.seq);
          if (Date.parse(message.basedOnIntervalStart) >= Date.parse(current.newest.basedOnIntervalStart)) current.newest = message;
        }
      }
      await insertColumns(
        manager,
        'crossing_status',
        [['crossing_id', 'text'], ['last_forecast_interval_start', 'timestamptz'], ['last_observed_total', 'integer'], ['model', 'jsonb'], ['last_forecast_seq', 'bigint']],
        [...perCrossing.entries()]
          .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
          .map(([crossingId, { seq, newest }]) => [crossingId, newest.basedOnIntervalStart, newest.observed.total, JSON.stringify(newest.model), seq]),
        `ON CONFLICT (crossing_id) DO UPDATE SET
           last_forecast_seq = GREATEST(crossing_status.last_forecast_seq, EXCLUDED.last_forecast_seq),
           last_forecast_interval_start = GREATEST(crossing_status.last_forecast_interval_start, EXCLUDED.last_forecast_interval_start),
           last_observed_total = CASE WHEN crossing_status.last_forecast_interval_start IS NULL
             OR EXCLUDED.last_forecast_interval_start >= crossing_status.last_forecast_interval_start
             THEN EXCLUDED.last_observed_total ELSE crossing_status.last_observed_total END,
           model = CASE WHEN crossing_status.last_forecast_interval_start IS NULL
             OR EXCLUDED.last_forecast_interval_start >= crossing_status.last_forecast_interval_start
             THEN EXCLUDED.model ELSE crossing_status.model END`,
      );
      return outcomes as StoreOutcome[];
    });
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

  async recordHeartbeat(heartbeat: HeartbeatMessage, aliveAt: Date): Promise<void> {
    await this.recordHeartbeats([{ heartbeat, aliveAt }]);
  }

  /**
   * Heartbeats in any order and in parallel: the newest (latest "alive at", then highest
   * seq) of each crossing is kept, and an older one never overwrites it. One unnest
   * upsert (insertColumns), rows in crossing id order (the same lock order as storeForecasts).
   */
  async recordHeartbeats(beats: Array<{ heartbeat: HeartbeatMessage; aliveAt: Date }>): Promise<void> {
    const newest = new Map<string, { heartbeat: HeartbeatMessage; aliveAt: Date }>();
    for (const beat of beats) {
      const current = newest.get(beat.heartbeat.crossingId);
      if (!current || beat.aliveAt.getTime() > current.aliveAt.getTime() || (beat.aliveAt.getTime() === current.aliveAt.getTime() && beat.heartbeat.seq > current.heartbeat.seq)) {
        newest.set(beat.heartbeat.crossingId, beat);
      }
    }
    if (newest.size === 0) return;
    // The episode starts ride along: a degraded (drifting) heartbeat starts a run unless one is
    // already running, any other heartbeat ends it. Only the newest heartbeat writes (WHERE).
    await insertColumns(
      this.dataSource,
      'crossing_status',
      [
        ['crossing_id', 'text'], ['worker_status', 'text'], ['last_heartbeat_at', 'timestamptz'], ['last_heartbeat_seq', 'bigint'],
        ['model', 'jsonb'], ['drift', 'jsonb'], ['degraded_since', 'timestamptz'], ['drifting_since', 'timestamptz'],
      ],
      [...newest.values()]
        .sort((a, b) => (a.heartbeat.crossingId < b.heartbeat.crossingId ? -1 : a.heartbeat.crossingId > b.heartbeat.crossingId ? 1 : 0))
        .map(({ heartbeat, aliveAt }) => [
          heartbeat.crossingId,
          heartbeat.status,
          aliveAt,
          heartbeat.seq,
          heartbeat.model ? JSON.stringify(heartbeat.model) : null,
          heartbeat.drift ? JSON.stringify(heartbeat.drift) : null,
          heartbeat.status === 'degraded' ? aliveAt : null,
          isDrifting(heartbeat.drift) ? aliveAt : null,
        ]),
      `ON CONFLICT (crossing_id) DO UPDATE SET worker_status = EXCLUDED.worker_status, last_heartbeat_at = EXCLUDED.last_heartbeat_at,
         last_heartbeat_seq = EXCLUDED.last_heartbeat_seq, model = COALESCE(EXCLUDED.model, crossing_status.model), drift = EXCLUDED.drift,
         degraded_since = CASE WHEN EXCLUDED.degraded_since IS NULL THEN NULL ELSE COALESCE(crossing_status.degraded_since, EXCLUDED.degraded_since) END,
         drifting_since = CASE WHEN EXCLUDED.drifting_since IS NULL THEN NULL ELSE COALESCE(crossing_status.drifting_since, EXCLUDED.drifting_since) END
       WHERE crossing_status.last_heartbeat_at IS NULL
          OR (EXCLUDED.last_heartbeat_at, EXCLUDED.last_heartbeat_seq) > (crossing_status.last_heartbeat_at, COALESCE(crossing_status.last_heartbeat_seq, -1))`,
    );
  }

  /**
   * The stale episodes the leader's tick saw begin and end: `began` gets its episode start
   * (the newest forecast interval when it went stale) unless one is already kept, `ended`
   * is cleared. Two statements whatever the count.
   */
  async recordStaleEpisodes(began: Array<{ crossingId: string; since: string }>, ended: string[]): Promise<void> {
    if (began.length) {
      await this.dataSource.query(
        `UPDATE crossing_status s SET stale_since = b.since FROM unnest($1::varchar[], $2::timestamptz[]) AS b(crossing_id, since)
         WHERE s.crossing_id = b.crossing_id AND s.stale_since IS NULL`,
        [began.map((b) => b.crossingId), began.map((b) => b.since)],
      );
    }
    if (ended.length) await this.dataSource.query(`UPDATE crossing_status SET stale_since = NULL WHERE crossing_id = ANY($1::varchar[]) AND stale_since IS NOT NULL`, [ended]);
  }

  async statuses(): Promise<StatusRow[]> {
    const rows = await this.dataSource.query(
      `SELECT s.crossing_id, s.worker_status, s.last_heartbeat_at, s.last_forecast_interval_start, s.last_observed_total, s.model, s.drift,
         s.degraded_since, s.drifting_since, s.stale_since, c.planning_period_start AS congestion_period, c.congested_since, c.reason AS congestion_reason
       FROM crossing_status s LEFT JOIN crossing_congestion c ON c.crossing_id = s.crossing_id AND c.congested
       ORDER BY s.crossing_id`,
    );
    return rows.map((r: Record<string, unknown>) => ({
      crossingId: r.crossing_id as string,
      workerStatus: r.worker_status as string | null,
      lastHeartbeatAt: r.last_heartbeat_at as Date | null,
      lastForecastIntervalStart: r.last_forecast_interval_start as Date | null,
      lastObservedTotal: r.last_observed_total as number | null,
      model: r.model as StatusRow['model'],
      drift: (r.drift as StatusRow['drift']) ?? null,
      congestion: r.congestion_period ? { periodStart: r.congestion_period as Date, since: (r.congested_since as Date | null) ?? (r.congestion_period as Date), reason: (r.congestion_reason as string | null) ?? 'congested' } : null,
      degradedSince: (r.degraded_since as Date | null) ?? null,
      driftingSince: (r.drifting_since as Date | null) ?? null,
      staleSince: (r.stale_since as Date | null) ?? null,
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

  /** One crossing's stored forecast for an interval, with the per-approach counts observed in that interval (what planning reads). */
  async forecastWithObserved(crossingId: string, basedOnIntervalStart: Date): Promise<{ forecast: ForecastView; observedApproaches: Record<string, number | null> } | null> {
    const headers = await this.dataSource.query(`SELECT * FROM forecasts WHERE crossing_id = $1 AND based_on_interval_start = $2`, [crossingId, basedOnIntervalStart]);
    const [forecast] = await this.withPoints(headers);
    if (!forecast) return null;
    const rows = await this.dataSource.query(
      `SELECT approach_id, count FROM observations WHERE crossing_id = $1 AND interval_start = $2 AND approach_id <> '${TOTAL_APPROACH}'`,
      [crossingId, basedOnIntervalStart],
    );
    return { forecast, observedApproaches: Object.fromEntries(rows.map((r: Record<string, unknown>) => [r.approach_id as string, r.count as number | null])) };
  }

  async forecastById(forecastId: string): Promise<ForecastView | null> {
    const headers = await this.dataSource.query(`SELECT * FROM forecasts WHERE id = $1`, [forecastId]);
    return (await this.withPoints(headers))[0] ?? null;
  }

  async recentObservations(crossingId: string, limit: number): Promise<ObservationView[]> {
    return (await this.recentObservationsOf([crossingId], limit)).get(crossingId) ?? [];
  }

  /** `recentObservations` for many crossings in one query (each crossing's newest `limit` intervals), keyed by crossing id. */
  async recentObservationsOf(crossingIds: readonly string[], limit: number): Promise<Map<string, ObservationView[]>> {
    crossingIds = [...new Set(crossingIds)];
    const byCrossing = new Map<string, Map<string, ObservationView>>(crossingIds.map((id) => [id, new Map()]));
    if (crossingIds.length === 0) return new Map();
    const rows = await this.dataSource.query(
      `SELECT o.crossing_id, o.interval_start, o.approach_id, o.count, o.filled_share
       FROM unnest($1::text[]) AS q(id)
       CROSS JOIN LATERAL (
         SELECT COALESCE(MIN(interval_start), 'epoch') AS since FROM (
           SELECT interval_start FROM observations WHERE crossing_id = q.id AND approach_id = '${TOTAL_APPROACH}'
           ORDER BY interval_start DESC LIMIT $2) recent) s
       JOIN observations o ON o.crossing_id = q.id AND o.interval_start >= s.since
       ORDER BY o.crossing_id, o.interval_start`,
      [crossingIds, limit],
    );
    for (const row of rows) {
      const crossingId = row.crossing_id as string;
      const intervals = byCrossing.get(crossingId)!;
      const key = (row.interval_start as Date).toISOString();
      let view = intervals.get(key);
      if (!view) {
        view = { crossingId, intervalStart: key, total: null, approaches: {}, filledShare: row.filled_share };
        intervals.set(key, view);
      }
      if (row.approach_id === TOTAL_APPROACH) view.total = row.count;
      else view.approaches[row.approach_id] = row.count;
    }
    return new Map([...byCrossing].map(([id, intervals]) => [id, [...intervals.values()]]));
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

/** The server's drift verdict on one heartbeat: recent 1-step error over DRIFT_ALERT_RATIO × the validation error. */
export function isDrifting(drift: WorkerDrift | null | undefined): boolean {
  return !!drift && drift.ratio > DRIFT_ALERT_RATIO;
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
