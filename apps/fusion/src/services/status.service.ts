import { Inject, Injectable, Logger } from '@nestjs/common';
import { CongestionView, CrossingFreshness, CrossingStatusView, HEARTBEAT_QUEUE, WorkerStatus } from '@crosscast/contracts';
import { FUSION_CONFIG, FusionConfig } from '../config';
import { CityRepository } from '../repositories/city.repository';
import { ClockRepository } from '../repositories/clock.repository';
import { ForecastStoreRepository, StatusRow } from '../repositories/forecast-store.repository';
import { QueueRepository } from '../repositories/queue.repository';

/** The heartbeat backlog's horizon is read at most this often (every status read would otherwise ask Redis). */
const HORIZON_EVERY_MS = 1000;
/**
 * With no usable earlier answer, a status read waits at most this long for the horizon;
 * then (Redis down or slow: its commands queue until it is back) offline is judged at the
 * clock, and the read still in flight is not waited for again (its answer is kept when it
 * comes).
 */
const HORIZON_WAIT_MS = 200;

/**
 * Decides each crossing's freshness. Forecast age is judged in data time (the replay
 * runs faster than the wall clock): a crossing is stale when its newest forecast is more
 * than STALE_AFTER_INTERVALS behind the city's data time (cityDataTimeMs). A worker is
 * offline when no heartbeat came for OFFLINE_AFTER_SECONDS of wall time *as far as fusion
 * has heard*: while heartbeats wait in fusion's own queue (fusion fell behind, or is
 * catching up after a restart), a crossing is judged at the time the oldest waiting
 * heartbeat was sent, not at the clock: its own heartbeat may be in that backlog. A worker
 * that stopped still turns offline (the others' heartbeats move the horizon on), and with
 * no backlog the horizon is the clock. Fusion's own lag is reported instead (/health,
 * `heartbeats.behindSeconds`), not painted on every crossing as "offline".
 */
@Injectable()
export class StatusService {
  constructor(
    @Inject(FUSION_CONFIG) private readonly config: FusionConfig,
    private readonly store: ForecastStoreRepository,
    private readonly city: CityRepository,
    private readonly clock: ClockRepository,
    private readonly queues: QueueRepository,
  ) {}

  private readonly logger = new Logger(StatusService.name);
  /** Redis's last answer: when it came and the oldest waiting heartbeat's enqueue time then (null: nothing waited). */
  private horizonAnswer: { atMs: number; oldestPendingMs: number | null } | null = null;
  private horizonAskedAtMs = -Infinity;
  private horizonRead: Promise<void> | null = null;
  private horizonWarnedAtMs = 0;

  /**
   * The time up to which heartbeats have been heard: the clock, or, while heartbeats wait
   * in the queue, when the oldest of them was enqueued. Asked of Redis at most once a
   * second, in the background: a status read uses the last answer while it is younger than
   * OFFLINE_AFTER_SECONDS (so a slow answer — fusion's own event loop busy with a city step,
   * Redis loaded — never turns the city offline, and late answers are kept), and waits at
   * most HORIZON_WAIT_MS only when it has none. With Redis unreachable for longer than
   * OFFLINE_AFTER_SECONDS, the clock (workers cannot deliver heartbeats either).
   */
  async heartbeatsHeardUntil(): Promise<Date> {
    const now = this.clock.now();
    const nowMs = now.getTime();
    if (!this.horizonRead && nowMs - this.horizonAskedAtMs >= HORIZON_EVERY_MS) {
      this.horizonAskedAtMs = nowMs;
      this.horizonRead = this.queues
        .oldestPendingEnqueuedAtMs(HEARTBEAT_QUEUE)
        .then((oldestPendingMs) => void (this.horizonAnswer = { atMs: this.clock.now().getTime(), oldestPendingMs }))
        .catch((error: Error) => this.warnHorizon(`heartbeat backlog not read: ${error.message}`))
        .finally(() => (this.horizonRead = null));
    }
    const trustMs = this.config.OFFLINE_AFTER_SECONDS * 1000;
    const usable = () => (this.horizonAnswer && nowMs - this.horizonAnswer.atMs <= trustMs ? this.horizonAnswer : null);
    if (!usable() && this.horizonRead) {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([this.horizonRead, new Promise<void>((resolve) => (timer = setTimeout(resolve, HORIZON_WAIT_MS)))]);
      clearTimeout(timer);
    }
    const answer = usable();
    if (!answer) {
      this.warnHorizon(`heartbeat backlog not known for ${this.horizonAnswer ? Math.round((nowMs - this.horizonAnswer.atMs) / 1000) + ' s' : 'any time yet'} (Redis down or slow): offline judged at the clock`);
      return now;
    }
    const oldest = answer.oldestPendingMs;
    return oldest === null || oldest >= nowMs ? now : new Date(oldest);
  }

  private warnHorizon(message: string): void {
    if (Date.now() - this.horizonWarnedAtMs < 60_000) return;
    this.horizonWarnedAtMs = Date.now();
    this.logger.warn(message);
  }

  /** What the leader's tick last kept of each crossing's stale episode (start, or null: none). */
  private readonly staleKept = new Map<string, string | null>();

  async statuses(): Promise<{ asOf: Date | null; statuses: CrossingStatusView[] }> {
    const [rows, heardUntil] = await Promise.all([this.store.statuses(), this.heartbeatsHeardUntil()]);
    return computeStatuses(rows, this.city.all().map((c) => c.id), this.city.city.intervalMinutes, heardUntil, this.config);
  }

  /**
   * Keeps where stale episodes began (`stale_since`), from the statuses the leader's tick
   * computed: state moves when it sees a crossing turn stale or fresh, not on reads. Writes
   * only the changes since its last call (all of them on the first).
   */
  async recordStaleEpisodes(statuses: readonly CrossingStatusView[]): Promise<void> {
    const { began, ended } = staleEpisodeChanges(statuses, this.staleKept);
    if (!began.length && !ended.length) return;
    await this.store.recordStaleEpisodes(began, ended);
    for (const b of began) this.staleKept.set(b.crossingId, b.since);
    for (const id of ended) this.staleKept.set(id, null);
  }
}

/**
 * The stale episodes to keep and to end, against what was kept: a stale crossing with a
 * start begins one (unless kept), a fresh or unknown one ends it. Offline neither begins
 * nor ends one: a worker that was stale, went silent and came back without a fresh
 * forecast is still in the same episode.
 */
export function staleEpisodeChanges(statuses: readonly CrossingStatusView[], kept: ReadonlyMap<string, string | null>): { began: Array<{ crossingId: string; since: string }>; ended: string[] } {
  const began: Array<{ crossingId: string; since: string }> = [];
  const ended: string[] = [];
  for (const s of statuses) {
    const known = kept.get(s.crossingId);
    if (s.freshness === 'stale' && s.staleSince) {
      if (!known) began.push({ crossingId: s.crossingId, since: s.staleSince });
    } else if ((s.freshness === 'fresh' || s.freshness === 'unknown') && known !== null) ended.push(s.crossingId);
  }
  return { began, ended };
}

/**
 * The city's "now" in data time: the newest forecast interval of any crossing, ignoring
 * crossings more than an hour (4 intervals of 15 min) ahead of the median. A single
 * worker with a wrong clock far ahead cannot make every other crossing look stale.
 */
export function cityDataTimeMs(latestPerCrossing: number[], intervalMinutes: number): number | null {
  if (latestPerCrossing.length === 0) return null;
  const sorted = [...latestPerCrossing].sort((a, b) => a - b);
  const median = sorted[Math.floor(sorted.length / 2)];
  const limit = median + Math.max(4 * intervalMinutes, 60) * 60_000;
  return sorted.filter((t) => t <= limit).pop() as number;
}

/** A congested verdict counts while its planning period is at most this many periods before the city's data time. */
export const CONGESTION_MAX_AGE_PERIODS = 2;

/**
 * The congestion alert's rule (server-side): the crossing's newest planning evaluation
 * found its forecast demand over the signal's capacity (libs/signal-timing: Y >= 0.9 or a
 * phase with X > 1), for a planning period no older than CONGESTION_MAX_AGE_PERIODS
 * before the city's data time (a crossing that stopped reporting is stale, not congested).
 */
export function congestionOf(verdict: StatusRow['congestion'], notBeforeMs: number | null): CongestionView | null {
  if (!verdict || notBeforeMs === null || verdict.periodStart.getTime() < notBeforeMs) return null;
  // The planner's reason ends with "congested: <why>"; the alert needs only the why.
  const why = /congested: (.*)$/.exec(verdict.reason)?.[1] ?? verdict.reason;
  return { since: verdict.since.toISOString(), periodStart: verdict.periodStart.toISOString(), reason: why };
}

/**
 * Where each worker alert's episode began (the alert keys, `statusAlerts` in the contracts):
 * offline since its last heartbeat; stale since the newest forecast when it went stale (the
 * kept `stale_since`, else the newest forecast now: what the leader's tick will keep);
 * degraded and drifting since the first heartbeat of their run (kept by the heartbeat upsert).
 */
export function episodesOf(freshness: CrossingFreshness, row: StatusRow | undefined): Pick<CrossingStatusView, 'offlineSince' | 'staleSince' | 'degradedSince' | 'driftingSince'> {
  const iso = (d: Date | null | undefined) => d?.toISOString() ?? null;
  return {
    offlineSince: freshness === 'offline' ? iso(row?.lastHeartbeatAt) : null,
    staleSince: freshness === 'stale' ? iso(row?.staleSince ?? row?.lastForecastIntervalStart) : null,
    degradedSince: row?.workerStatus === 'degraded' ? iso(row.degradedSince) : null,
    driftingSince: iso(row?.driftingSince),
  };
}

/** `heardUntil`: the time up to which heartbeats have been heard (StatusService.heartbeatsHeardUntil: the clock when nothing waits). */
export function computeStatuses(
  rows: StatusRow[],
  crossingIds: string[],
  intervalMinutes: number,
  heardUntil: Date,
  config: Pick<FusionConfig, 'STALE_AFTER_INTERVALS' | 'OFFLINE_AFTER_SECONDS'> & Partial<Pick<FusionConfig, 'PLANNING_PERIOD_MINUTES'>>,
): { asOf: Date | null; statuses: CrossingStatusView[] } {
  const byId = new Map(rows.map((r) => [r.crossingId, r]));
  const asOfMs = cityDataTimeMs(
    rows.map((r) => r.lastForecastIntervalStart?.getTime()).filter((t): t is number => t !== undefined),
    intervalMinutes,
  );
  const staleBeforeMs = asOfMs === null ? null : asOfMs - config.STALE_AFTER_INTERVALS * intervalMinutes * 60_000;
  const congestionAfterMs = asOfMs === null ? null : asOfMs - CONGESTION_MAX_AGE_PERIODS * (config.PLANNING_PERIOD_MINUTES ?? 15) * 60_000;
  const statuses = crossingIds.map((crossingId): CrossingStatusView => {
    const row = byId.get(crossingId);
    const lastForecast = row?.lastForecastIntervalStart ?? null;
    const lastHeartbeat = row?.lastHeartbeatAt ?? null;
    let freshness: CrossingFreshness;
    if (!lastForecast && !lastHeartbeat) freshness = 'unknown';
    else if (lastHeartbeat && heardUntil.getTime() - lastHeartbeat.getTime() > config.OFFLINE_AFTER_SECONDS * 1000) freshness = 'offline';
    else if (!lastForecast || (staleBeforeMs !== null && lastForecast.getTime() < staleBeforeMs)) freshness = 'stale';
    else freshness = 'fresh';
    return {
      crossingId,
      freshness,
      workerStatus: (row?.workerStatus as WorkerStatus | null) ?? null,
      lastForecastIntervalStart: lastForecast?.toISOString() ?? null,
      lastHeartbeatAt: lastHeartbeat?.toISOString() ?? null,
      model: row?.model ?? null,
      lastObservedTotal: row?.lastObservedTotal ?? null,
      drift: row?.drift ?? null,
      congestion: congestionOf(row?.congestion ?? null, congestionAfterMs),
      ...episodesOf(freshness, row),
    };
  });
  return { asOf: asOfMs === null ? null : new Date(asOfMs), statuses };
}
