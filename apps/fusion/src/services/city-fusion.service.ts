import { BeforeApplicationShutdown, Inject, Injectable, Logger, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { CrossingStatusView, ForecastMessage } from '@crosscast/contracts';
import { CityFusion, CrossingState, FusionResult, FusionStateRecord, HorizonPoint } from '@crosscast/fusion';
import { FUSION_CONFIG, FusionConfig } from '../config';
import { CityRepository } from '../repositories/city.repository';
import { ClockRepository } from '../repositories/clock.repository';
import { FusionStateRepository, ReplayForecastRow, ReplayObservationRow } from '../repositories/fusion-state.repository';
import { FusionFeedRepository } from '../repositories/fusion-feed.repository';
import { FencedError } from '../repositories/leadership.repository';
import { IngestEvents } from './ingest-events';
import { LeadershipService } from './leadership.service';
import { fusionStates, isDegradedForecast, sameStates } from './fusion-views';
import type { FusedStep } from './planning-inputs';
import { CostBound } from './cost-bound';

/** The saved state's layout (2: per-record learned state); a snapshot of another version is ignored and rebuilt from rows. */
const FORMAT_VERSION = 2;
const SNAPSHOT_NAME = 'city';
/** How often the learned state is saved when it changed (and always at shutdown). */
const SNAPSHOT_EVERY_MS = 60_000;
/** Cold start without a usable snapshot: replay this many days of stored data time. */
const REPLAY_DAYS = 7;
/** Stored forecasts are replayed at start in pages of about this many (whole intervals). */
const REPLAY_PAGE = 20_000;
/**
 * After a snapshot, forecasts received from this long before its newest fed row are replayed
 * too: ingestion runs several jobs at once, so a row received a little earlier may have
 * committed after the snapshot. Replaying one twice is harmless (the library ignores an
 * observation it has seen, and keeps only a crossing's newest forecast).
 */
const REPLAY_OVERLAP_MS = 5 * 60_000;
/** Crossings whose records a save reads from the model at a time (a crossing's record is about 30 KB of JSON). */
const SAVE_CHUNK_CROSSINGS = 256;
/** Observations a forecast can carry before its based-on interval (`earlierObserved` holds at most 96). */
const EARLIER_OBSERVED_INTERVALS = 96;

/** The head row's JSON: the service's bookkeeping; the learned state is in the records. */
interface SavedFusion {
  city: { intervalMinutes: number; timeZone: string; crossings: number };
  last: { result: FusionResult; states: Record<string, CrossingState> } | null;
  withData: string[];
  fedThroughReceivedMs: number | null;
}

export interface FusionPicture {
  /** The newest fusion run (or, when only crossing states changed since, a preview). */
  result: FusionResult;
  /** Crossings fusion has observations from: the only ones it can estimate. */
  withData: ReadonlySet<string>;
}

/**
 * A step to data time t waits until the interval has settled: at least this share of the
 * crossings that reported the interval before t (or t) reported t too…
 */
export const STEP_SETTLED_SHARE = 0.9;

const CROSSING_RECORD_PREFIX = 'crossing:';

/**
 * Holds the city's one CityFusion model (libs/fusion) and drives it with what the workers
 * send: every newly stored forecast's observations and horizons (`record`, called by
 * ingestion after the store transaction commits; a duplicate is never stored, so never
 * fed), and `advanceTo()` once each time the city's data time advances (`picture`, called
 * by CityForecastService's refresh, never per read). Crossing states that change while
 * data time stands still get a read-only `fuse()` of the same model (a preview).
 *
 * State survives restarts two ways: the learned state is saved every minute when it
 * changed and at shutdown, as one record per crossing and aggregate (`fusion_state_records`)
 * under a head row with the last fusion result (`fusion_state`), in one transaction, so a
 * restart serves the same picture at once; and stored rows the snapshot does not cover
 * (received after it, or all of the last REPLAY_DAYS when there is no usable snapshot) are
 * replayed from PostgreSQL at start, in data-time order, a page at a time.
 *
 * Several fusion instances: each keeps the whole model (FusionFeedRepository shares every
 * stored forecast with the others), so reads are served anywhere and a new leader takes
 * over warm; only the leader saves the state, fenced by its epoch (LeadershipService).
 */
@Injectable()
export class CityFusionService implements OnModuleInit, OnModuleDestroy, BeforeApplicationShutdown {
  private readonly logger = new Logger(CityFusionService.name);
  private fusion: CityFusion;
  /** The last real fusion run and the crossing states it used. */
  private last: { result: FusionResult; states: Record<string, CrossingState> } | null = null;
  /** A throwaway run at the same data time, for crossing states that changed since `last`. */
  private preview: { result: FusionResult; states: Record<string, CrossingState> } | null = null;
  /**
   * Previews take at most a quarter of wall time: while a 4,096-crossing city's forecasts
   * arrive, crossings turn fresh one by one and every 1-second rebuild saw new states (a
   * 0.6–1 s `fuse()` each, most of fusion's time in a profile of the pipeline benchmark).
   */
  private readonly withData = new Set<string>();
  private fedThroughReceivedMs: number | null = null;
  private changedSinceSave = false;
  /** Counts what was fed (`record`): a picture built at an older count may miss data. */
  private fed = 0;
  /** Per crossing, the based-on interval of the newest forecast fed (live, or replayed at start). */
  private readonly newestFed = new Map<string, number>();
  private lastIncluded: ReadonlyMap<string, number> = new Map();
  /** Wall time each not yet fused data time was first seen as the city's "now". */
  private readonly firstSeenMs = new Map<number, number>();
  private readonly fedListeners: Array<(message: ForecastMessage) => void> = [];
  /** Live city steps since start and their total time (for /health and the pipeline benchmark). */
  private readonly stepTiming = { steps: 0, totalMs: 0, lastMs: 0 };
  private ready: Promise<void> = Promise.resolve();
  private timer: NodeJS.Timeout | null = null;
  private closing = false;
  /** A save is reading the model: it must not change (see saveIfChanged). */
  private saving = false;
  private readonly fedWhileSaving: Array<[ForecastMessage, Date]> = [];
  private saveInFlight: Promise<void> | null = null;

  constructor(
    @Inject(FUSION_CONFIG) private readonly config: FusionConfig,
    private readonly city: CityRepository,
    private readonly repository: FusionStateRepository,
    private readonly clock: ClockRepository,
    private readonly feed: FusionFeedRepository,
    private readonly leadership: LeadershipService,
    events: IngestEvents,
  ) {
    this.fusion = this.newFusion();
    events.onForecastStored((message, receivedAt) => this.record(message, receivedAt));
    // A new leader writes the whole state at its first save (the old leader's may be older).
    this.leadership.onChange((state) => {
      if (state.role !== 'leader') return;
      this.fusion.markAllChanged();
      this.changedSinceSave = true;
    });
  }

  /** Start-up: restore and replay before the queue consumers start (they start at bootstrap). */
  async onModuleInit(): Promise<void> {
    // Subscribed before the replay reads PostgreSQL, so what other instances store while it
    // runs is either in the rows it reads or heard here (held until the replay is done, then
    // fed: feeding one twice is harmless). Subscribing after left a gap between the two.
    let heldWhileRestoring: Array<[ForecastMessage, Date]> | null = [];
    await this.feed.subscribeToOthers(this.leadership.instance, (notice) => {
      const receivedAt = new Date(notice.receivedAt);
      if (heldWhileRestoring) heldWhileRestoring.push([notice.message, receivedAt]);
      else this.feedModel(notice.message, receivedAt);
    });
    this.ready = this.restore();
    await this.ready;
    const held = heldWhileRestoring;
    heldWhileRestoring = null;
    for (const [message, receivedAt] of held) this.feedModel(message, receivedAt);
    this.timer = setInterval(() => void this.saveIfChanged(), SNAPSHOT_EVERY_MS);
    this.timer.unref();
  }

  onModuleDestroy(): void {
    if (this.timer) clearInterval(this.timer);
  }

  /** After the HTTP server and the timers stopped, before the database closes. */
  async beforeApplicationShutdown(): Promise<void> {
    this.closing = true;
    await this.saveIfChanged();
  }

  /** The city's corridors (fusion's road graph), crossings in road order. */
  roads(): Array<{ road: string; crossings: string[] }> {
    return this.fusion.graph.roads.map((r) => ({ road: r.road, crossings: r.crossings }));
  }

  /**
   * Feeds one forecast this instance has just stored (IngestEvents.forecastStored), and
   * tells the other instances so they feed it too.
   */
  record(message: ForecastMessage, receivedAt: Date): void {
    this.feedModel(message, receivedAt);
    this.feed.publish({ instance: this.leadership.instance, receivedAt: receivedAt.toISOString(), message });
  }

  /** Feeds one stored forecast: its observed intervals (oldest first), then its horizons. */
  private feedModel(message: ForecastMessage, receivedAt: Date): void {
    if (this.saving) {
      this.fedWhileSaving.push([message, receivedAt]);
      return;
    }
    const observed = [...(message.earlierObserved ?? []), message.observed].sort((a, b) => Date.parse(a.intervalStart) - Date.parse(b.intervalStart));
    for (const o of observed) {
      if (o.total === null) continue;
      this.fusion.observe(message.crossingId, Date.parse(o.intervalStart), o.total, undefined, { filledShare: o.filledShare });
      this.withData.add(message.crossingId);
    }
    this.fusion.addForecast(message.crossingId, Date.parse(message.basedOnIntervalStart), message.horizons.map((h) => ({
      horizonMin: h.horizonMinutes,
      mean: h.total.mean,
      lo80: h.total.lower80,
      hi80: h.total.upper80,
      lo95: h.total.lower95,
      hi95: h.total.upper95,
    })), { degraded: isDegradedForecast(message.quality.flags) });
    this.fedThroughReceivedMs = Math.max(this.fedThroughReceivedMs ?? 0, receivedAt.getTime());
    this.changedSinceSave = true;
    this.fed++;
    const basedOnMs = Date.parse(message.basedOnIntervalStart);
    if (basedOnMs > (this.newestFed.get(message.crossingId) ?? -Infinity)) this.newestFed.set(message.crossingId, basedOnMs);
    for (const listener of this.fedListeners) listener(message);
  }

  /**
   * Called with every forecast fed to the model after start-up, stored here or by another
   * instance (planning follows them; what was stored before start-up it finds in PostgreSQL).
   */
  onFed(listener: (message: ForecastMessage) => void): void {
    this.fedListeners.push(listener);
  }

  /** Live city steps since start: how many, and how long one took (mean and last, ms). */
  stepStats(): { steps: number; meanStepMs: number | null; lastStepMs: number | null; fusedThrough: string | null } {
    const { steps, totalMs, lastMs } = this.stepTiming;
    return {
      steps,
      meanStepMs: steps ? Math.round((totalMs / steps) * 10) / 10 : null,
      lastStepMs: steps ? Math.round(lastMs * 10) / 10 : null,
      fusedThrough: this.last ? new Date(this.last.result.nowIntervalMs).toISOString() : null,
    };
  }

  /** The last fusion step and which forecasts it held; null before the first. */
  lastStep(): FusedStep | null {
    return this.last ? { nowIntervalMs: this.last.result.nowIntervalMs, crossings: this.last.result.crossings, included: this.lastIncluded } : null;
  }

  /** How many forecasts have been fed so far: CityForecastService rebuilds its cached picture when this moved. */
  get fedCount(): number {
    return this.fed;
  }

  /**
   * The fused city for the city's data time `asOf`. The model advances (learns) once per
   * data-time step: when `asOf` is newer than the last step. When only crossing states
   * changed since (a worker went offline with the rest of the city silent too), the same
   * model is read with the new states (`fuse`, which changes nothing); that preview is kept
   * until the states or the data time change again. Previews run within the caller's
   * `refreshBound` (CityForecastService's, shared with the views it rebuilds from them): in a
   * big city a state change may show a few seconds late.
   */
  async picture(statuses: CrossingStatusView[], asOf: Date | null, refreshBound: CostBound): Promise<FusionPicture | null> {
    await this.ready;
    const states = fusionStates(statuses);
    const advancedTo = this.fusion.advancedToMs;
    const stepTo = asOf ? this.settledDataTimeMs(statuses, asOf.getTime()) : null;
    // A save reading the model waits for nothing; the step waits for the save (a later tick).
    if (stepTo !== null && !this.closing && !this.saving && (advancedTo === null || stepTo > advancedTo)) {
      const started = performance.now();
      this.last = { result: this.fusion.advanceTo(stepTo, states), states };
      this.lastIncluded = new Map(this.newestFed);
      const tookMs = performance.now() - started;
      this.stepTiming.steps++;
      this.stepTiming.totalMs += tookMs;
      this.stepTiming.lastMs = tookMs;
      this.preview = null;
      this.changedSinceSave = true;
      for (const t of this.firstSeenMs.keys()) if (t <= stepTo) this.firstSeenMs.delete(t);
    }
    if (!this.last) return null;
    if (sameStates(states, this.last.states)) return { result: this.last.result, withData: this.withData };
    let preview = this.preview && this.preview.result.nowIntervalMs === this.last.result.nowIntervalMs ? this.preview : null;
    if (!preview || !sameStates(states, preview.states)) {
      const nowMs = Date.now();
      // Too soon after the last preview (a big city, states changing every second): the
      // last preview (or the step's own run) is served until the bound allows the next.
      if (!refreshBound.allows(nowMs)) return { result: (preview ?? this.last).result, withData: this.withData };
      const stepMs = this.last.result.nowIntervalMs;
      preview = this.preview = { result: refreshBound.run(nowMs, () => this.fusion.fuse(stepMs, states)), states };
    }
    return { result: preview.result, withData: this.withData };
  }

  /**
   * The data time the city may step to: `asOf` once that interval has settled (at least
   * STEP_SETTLED_SHARE of the crossings reporting it or the interval before it reported it,
   * or FUSION_STEP_SETTLE_MS of wall time since it was first the city's "now"), else the
   * interval before it. Stepping at the first crossing's forecast would fuse every other
   * crossing with its previous forecast, and plan them from that.
   */
  private settledDataTimeMs(statuses: CrossingStatusView[], asOfMs: number): number {
    const stepMs = this.city.city.intervalMinutes * 60_000;
    let reported = 0;
    let expected = 0;
    for (const s of statuses) {
      const last = s.lastForecastIntervalStart ? Date.parse(s.lastForecastIntervalStart) : null;
      if (last === null || last < asOfMs - stepMs) continue;
      expected++;
      if (last >= asOfMs) reported++;
    }
    const now = Date.now();
    const firstSeen = this.firstSeenMs.get(asOfMs) ?? now;
    this.firstSeenMs.set(asOfMs, firstSeen);
    if (reported >= STEP_SETTLED_SHARE * expected || now - firstSeen >= this.config.FUSION_STEP_SETTLE_MS) return asOfMs;
    return asOfMs - stepMs;
  }

  /** The model's whole learned state as JSON (for tests and diagnostics on small cities). */
  stateJson(): string {
    return JSON.stringify(this.fusion.toRecords());
  }

  /** Saves the learned state if it changed since the last save: the leader only, fenced by its epoch. */
  async saveIfChanged(): Promise<void> {
    // One save at a time (the timer's and the shutdown's): a second waits for the first,
    // then saves what changed since.
    while (this.saveInFlight) await this.saveInFlight;
    if (!this.changedSinceSave || !this.leadership.isLeader()) return;
    this.saveInFlight = this.save().finally(() => {
      this.saveInFlight = null;
    });
    await this.saveInFlight;
  }

  private async save(): Promise<void> {
    this.changedSinceSave = false;
    const city = this.city.city;
    const saved: SavedFusion = {
      city: { intervalMinutes: city.intervalMinutes, timeZone: city.timeZone, crossings: city.crossings.length },
      last: this.last,
      withData: [...this.withData],
      fedThroughReceivedMs: this.fedThroughReceivedMs,
    };
    // Only the records changed since the last save (all of them after a fusion step), read
    // from the model a chunk at a time as the write reaches them: the model is frozen until
    // the save ends (forecasts fed meanwhile wait in `fedWhileSaving`, and the next step
    // waits), so the records are one state without holding a copy of all of it.
    const { crossings, complete } = this.fusion.takeChanges();
    this.saving = true;
    try {
      await this.repository.save(SNAPSHOT_NAME, {
        formatVersion: FORMAT_VERSION,
        state: JSON.stringify(saved),
        fusedThrough: this.last ? new Date(this.last.result.nowIntervalMs) : null,
        fedThroughReceivedAt: saved.fedThroughReceivedMs === null ? null : new Date(saved.fedThroughReceivedMs),
        savedAt: this.clock.now(),
      }, this.recordChunks(crossings, complete), complete, (manager) => this.leadership.assertLeading(manager));
    } catch (error) {
      if (error instanceof FencedError) {
        // Deposed meanwhile: the new leader saves from its own (warm) model.
        this.fusion.markAllChanged();
        this.logger.warn(`fusion state not saved: ${error.message}`);
        return;
      }
      this.changedSinceSave = true;
      // The records taken for this save were not written: the next save writes them all.
      this.fusion.markAllChanged();
      this.logger.warn(`saving the fusion state failed (retried in ${SNAPSHOT_EVERY_MS / 1000} s): ${(error as Error).message}`);
    } finally {
      this.saving = false;
      for (const [message, receivedAt] of this.fedWhileSaving.splice(0)) this.feedModel(message, receivedAt);
    }
  }

  /** The changed records, SAVE_CHUNK_CROSSINGS crossings at a time; the city and aggregate records come with the first chunk. */
  private *recordChunks(crossings: string[], complete: boolean): Generator<FusionStateRecord[]> {
    if (!complete && crossings.length === 0) return;
    for (let from = 0; from === 0 || from < crossings.length; from += SAVE_CHUNK_CROSSINGS) {
      yield this.fusion.recordsOf(crossings.slice(from, from + SAVE_CHUNK_CROSSINGS), { city: from === 0, aggregates: complete && from === 0 });
    }
  }

  private newFusion(): CityFusion {
    const city = this.city.city;
    return new CityFusion({ intervalMinutes: city.intervalMinutes, timeZone: city.timeZone, crossings: city.crossings });
  }

  /** Restores the saved state if it fits this city, then replays the stored rows it does not cover. */
  private async restore(): Promise<void> {
    const started = Date.now();
    const saved = await this.repository.load(SNAPSHOT_NAME);
    let restored = false;
    if (saved) {
      const problem = await this.restoreFrom(saved.formatVersion, saved.state);
      if (problem) this.logger.warn(`saved fusion state not used (${problem}); rebuilding from stored rows`);
      else restored = true;
    }
    const newest = await this.repository.newestForecastInterval();
    if (!newest) {
      this.logger.log(restored ? 'fusion state restored; no stored forecasts' : 'fusion starts empty: no stored forecasts');
      return;
    }
    const from = new Date(newest.getTime() - REPLAY_DAYS * 24 * 3600_000);
    const receivedAfter = restored && this.fedThroughReceivedMs !== null ? new Date(this.fedThroughReceivedMs - REPLAY_OVERLAP_MS) : null;
    let forecasts = 0;
    let observations = 0;
    let fused = 0;
    for await (const page of this.repository.forecastsForReplay(from, receivedAfter, REPLAY_PAGE)) {
      const observed = await this.repository.observationsForReplay(this.observationWindows(page));
      fused += this.replay(page, observed);
      forecasts += page.length;
      observations += observed.length;
    }
    this.logger.log(
      `fusion ${restored ? 'state restored' : 'rebuilt'}: replayed ${forecasts} forecasts and ${observations} observations ` +
        `(${fused} fusion runs) in ${Date.now() - started} ms; fused through ${this.last ? new Date(this.last.result.nowIntervalMs).toISOString() : 'nothing yet'}`,
    );
    if (fused > 0 || !restored) this.changedSinceSave = true;
  }

  /** Returns why the saved state cannot be used, or null once it is in place. */
  private async restoreFrom(formatVersion: number, text: string): Promise<string | null> {
    if (formatVersion !== FORMAT_VERSION) return `format ${formatVersion}, expected ${FORMAT_VERSION}`;
    let saved: SavedFusion;
    let records: Awaited<ReturnType<FusionStateRepository['loadRecords']>>;
    try {
      saved = JSON.parse(text);
      records = await this.repository.loadRecords(SNAPSHOT_NAME);
    } catch (error) {
      return `not JSON: ${(error as Error).message}`;
    }
    const city = this.city.city;
    if (!saved.city || saved.city.intervalMinutes !== city.intervalMinutes || saved.city.timeZone !== city.timeZone) return 'another interval length or time zone';
    const savedIds = records.filter((r) => r.key.startsWith(CROSSING_RECORD_PREFIX)).map((r) => r.key.slice(CROSSING_RECORD_PREFIX.length));
    const cityIds = new Set(city.crossings.map((c) => c.id));
    if (savedIds.length !== cityIds.size || savedIds.some((id) => !cityIds.has(id))) return 'another set of crossings';
    try {
      // The current crossings file (coordinates, roads) builds the graph; the learned state is per crossing id.
      this.fusion = CityFusion.fromRecords({ intervalMinutes: city.intervalMinutes, timeZone: city.timeZone, crossings: city.crossings }, records);
    } catch (error) {
      return `unreadable: ${(error as Error).message}`;
    }
    this.last = saved.last;
    this.withData.clear();
    for (const id of saved.withData) this.withData.add(id);
    this.fedThroughReceivedMs = saved.fedThroughReceivedMs;
    return null;
  }

  /** Per crossing: the observations its replayed forecasts carried (up to 96 intervals before each). */
  private observationWindows(forecasts: ReplayForecastRow[]): Array<{ crossingId: string; from: Date; to: Date }> {
    const stepMs = this.city.city.intervalMinutes * 60_000;
    const spans = new Map<string, { from: number; to: number }>();
    for (const f of forecasts) {
      const span = spans.get(f.crossingId);
      const from = f.basedOnMs - EARLIER_OBSERVED_INTERVALS * stepMs;
      if (!span) spans.set(f.crossingId, { from, to: f.basedOnMs });
      else {
        span.from = Math.min(span.from, from);
        span.to = Math.max(span.to, f.basedOnMs);
      }
    }
    return [...spans].map(([crossingId, s]) => ({ crossingId, from: new Date(s.from), to: new Date(s.to) }));
  }

  /**
   * Feeds stored rows in data-time order as they arrived live: per interval, its
   * observations, then the forecasts based on it, then a fusion run for each interval after
   * the last one in the state. Crossing states are judged in data time as StatusService
   * does (stale when the newest forecast is more than STALE_AFTER_INTERVALS behind);
   * heartbeats are not replayed. Returns the number of fusion runs.
   */
  private replay(forecasts: ReplayForecastRow[], observations: ReplayObservationRow[]): number {
    const stepMs = this.city.city.intervalMinutes * 60_000;
    const intervals = [...new Set([...observations.map((o) => o.intervalStartMs), ...forecasts.map((f) => f.basedOnMs)])].sort((a, b) => a - b);
    const observationsAt = groupBy(observations, (o) => o.intervalStartMs);
    const forecastsAt = groupBy(forecasts, (f) => f.basedOnMs);
    let runs = 0;
    for (const t of intervals) {
      for (const o of observationsAt.get(t) ?? []) {
        this.fusion.observe(o.crossingId, t, o.total, undefined, { filledShare: o.filledShare });
        this.withData.add(o.crossingId);
      }
      const basedOnT = forecastsAt.get(t) ?? [];
      for (const f of basedOnT) {
        this.fusion.addForecast(f.crossingId, t, f.points.map((p): HorizonPoint => ({ horizonMin: p.horizonMinutes, mean: p.mean, lo80: p.lower80, hi80: p.upper80, lo95: p.lower95, hi95: p.upper95 })), {
          degraded: isDegradedForecast(f.qualityFlags),
        });
        this.newestFed.set(f.crossingId, Math.max(this.newestFed.get(f.crossingId) ?? t, t));
        this.fedThroughReceivedMs = Math.max(this.fedThroughReceivedMs ?? 0, f.receivedAtMs);
      }
      // The city's data time only moves with forecasts; fuse where it did.
      const advancedTo = this.fusion.advancedToMs;
      if (basedOnT.length === 0 || (advancedTo !== null && t <= advancedTo)) continue;
      const states: Record<string, CrossingState> = {};
      for (const c of this.city.all()) {
        const newest = this.newestFed.get(c.id);
        states[c.id] = newest === undefined ? 'offline' : newest < t - this.config.STALE_AFTER_INTERVALS * stepMs ? 'stale' : 'fresh';
      }
      this.last = { result: this.fusion.advanceTo(t, states), states };
      this.lastIncluded = new Map(this.newestFed);
      runs++;
    }
    this.preview = null;
    return runs;
  }
}

function groupBy<T>(items: T[], key: (item: T) => number): Map<number, T[]> {
  const groups = new Map<number, T[]>();
  for (const item of items) {
    const k = key(item);
    const list = groups.get(k);
    if (list) list.push(item);
    else groups.set(k, [item]);
  }
  return groups;
}
