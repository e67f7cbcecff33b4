import { NeighbourCrossingInput, NeighbourGraph, NeighbourOptions, inferNeighbourGraph } from '@crosscast/network';
import { ForgettingLeastSquares, ForgettingLeastSquaresState, ResidualBuffer, ResidualBufferState } from './online-stats';
import { WeekProfile, WeekProfileState, WeekSlots } from './week-profile';
import { copyPending, copyPendingAggregate, copyPendingAggregateFor, stateFromRecords, stateToRecords } from './state-records';

/**
 * City fusion: puts the crossings' workers back together into one city picture, using only
 * what workers send (forecasts with intervals, degraded flags, observed totals).
 *
 * Per crossing and horizon (steps ahead of "now"):
 *   - a fresh worker's forecast is *fused* with the city's time-of-week profile and what
 *     its road neighbours imply, by a stacking regression learned online from past
 *     forecast-vs-observed pairs (per crossing, pulled towards a city-wide fit);
 *   - a stale, offline or degraded worker's crossing is *estimated* from its profile and
 *     its neighbours' current forecasts;
 *   - intervals are split-conformal on the crossing's own history of fused (or estimated)
 *     residuals, normalised by the worker's own interval width (so a worker's wider bands
 *     at the peak carry through) or by sqrt(profile) for estimates.
 * Corridors (crossings on one road) and the city are sums of the crossings' means; their
 * intervals are conformal on the aggregate's own residual history, which carries whatever
 * correlation the crossings' errors have.
 *
 * Pure: no I/O, no clock (times are interval starts in epoch ms, passed in), bounded
 * memory, and `toJSON()` / `CityFusion.fromJSON()` (or, for big cities, `toRecords()` /
 * `CityFusion.fromRecords()`, one record per crossing) round-trip the whole learned state.
 * Call order per interval: `observe()` and `addForecast()` as messages arrive, then
 * `advanceTo(now)` once when the city's data time reaches `now`: it learns what the
 * intervals before `now` taught and remembers what it predicts, so later observations
 * score it. `fuse(now)` predicts the same way without changing anything (a read).
 *
 * One step costs time linear in the number of crossings: the city-wide deviation every
 * crossing's neighbour features use is summed once per horizon (or learned interval), not
 * once per crossing.
 */

export type CrossingState = 'fresh' | 'stale' | 'offline' | 'degraded';

export interface HorizonPoint {
  horizonMin: number;
  mean: number;
  lo80: number;
  hi80: number;
  lo95: number;
  hi95: number;
}

export interface FusedPoint extends HorizonPoint {
  targetIntervalMs: number;
  /** own: the worker's forecast passed through (no history to fuse with yet); fused: stacked; estimated: no usable worker forecast. */
  source: 'own' | 'fused' | 'estimated';
  /** How the mean was made: mean = own*w.own + profile*w.profile + neighbours*w.neighbours + bias. */
  weights?: { own: number; profile: number; neighbours: number; bias: number };
}

export interface AggregatePoint extends HorizonPoint {
  targetIntervalMs: number;
  crossings: number;
  estimatedCrossings: number;
}

export interface FusionResult {
  nowIntervalMs: number;
  horizonsMin: number[];
  crossings: Record<string, FusedPoint[]>;
  /** Per road (see `graph.roads`): the sum of the totals of the crossings on it. */
  corridors: Record<string, AggregatePoint[]>;
  city: AggregatePoint[];
  /** Extra aggregates named in the config. */
  groups: Record<string, AggregatePoint[]>;
}

export interface FusionOptions {
  horizons: number;
  /** Observations with a larger filled share (cleaned, not read) teach nothing. */
  maxFilledShareToLearn: number;
  /** Residuals kept per crossing and horizon for the conformal intervals. */
  residualCapacity: number;
  /** Below this many residuals a crossing uses the city-wide residuals. */
  minResiduals: number;
  /** Forgetting per sample of a crossing's stacking fit (0.998: about five days). */
  crossingForgetting: number;
  /** Forgetting per sample of the city-wide stacking fit (shared by all crossings). */
  cityForgetting: number;
  /** Pull of a crossing's fit towards the city-wide fit (samples' worth). */
  crossingRidge: number;
  /** Pull of the city-wide fit towards "the worker's forecast as is" (samples' worth). */
  cityRidge: number;
  /** Counts are noisier at the peaks: residuals are scaled by sqrt(profile + noiseFloor). */
  noiseFloor: number;
  /** Whether the stacking may learn a per-crossing bias (a constant correction). */
  stackingIntercept: boolean;
  /** An aggregate's residual is recorded when observed members carry this share of its spread. */
  aggregateMinObservedShare: number;
  /** Aggregate predictions are scored this many intervals after their target (late observations). */
  aggregateScoreLagIntervals: number;
  neighbours: Partial<NeighbourOptions>;
}

export const DEFAULT_FUSION_OPTIONS: FusionOptions = {
  horizons: 4,
  maxFilledShareToLearn: 0.25,
  residualCapacity: 672,
  minResiduals: 48,
  crossingForgetting: 0.998,
  cityForgetting: 0.99995,
  crossingRidge: 100,
  cityRidge: 200,
  noiseFloor: 10,
  stackingIntercept: true,
  aggregateMinObservedShare: 0.6,
  aggregateScoreLagIntervals: 2,
  neighbours: {},
};

export interface CityFusionConfig {
  intervalMinutes: number;
  /** IANA zone of the city: the profile is by local weekday and time. */
  timeZone: string;
  crossings: NeighbourCrossingInput[];
  /** Extra named aggregates (crossing id lists) besides the corridors and the city. */
  groups?: Record<string, string[]>;
  options?: Partial<FusionOptions>;
}

export interface ForecastHeld {
  issuedForIntervalMs: number;
  points: HorizonPoint[];
  degraded: boolean;
}

/** What fuse() predicted for one crossing, target and horizon, kept until observed. */
export interface PendingPrediction {
  k: number;
  /** Stacking inputs, when the worker's forecast was used. */
  own?: number;
  profile: number;
  neighbours: number;
  scale: number;
  fused?: { mean: number; sigma: number };
  /** The stacked mean, whether or not it was the one served (its record decides that). */
  stacked?: number;
  estimate: { mean: number; sigma: number };
}

export interface PendingAggregate {
  name: string;
  targetMs: number;
  k: number;
  /** member -> [predicted mean, 80 % half-width]. */
  members: Record<string, [number, number]>;
  observed: Record<string, number>;
}

interface CrossingLearner {
  profile: WeekProfile;
  forecast: ForecastHeld | null;
  stacking: ForgettingLeastSquares[];
  fusedResiduals: ResidualBuffer[];
  estimateResiduals: ResidualBuffer[];
  /** Forgotten error sums of the worker's own forecast and of the stacked one, per horizon. */
  ownErrors: Array<{ absSum: number; sqSum: number; n: number; stackedAbsSum: number }>;
  neighbourFit: ForgettingLeastSquares;
  pending: Record<string, PendingPrediction[]>;
  /** Recently observed intervals (ms), so a re-sent observation is not learned twice. */
  seen: number[];
  /** Deviation from profile of the newest observed intervals: intervalMs -> deviation. */
  recentDeviation: Record<string, number>;
}

export interface CityFusionState {
  version: 1;
  config: CityFusionConfig;
  lastFuseMs: number | null;
  crossings: Record<string, {
    profile: WeekProfileState;
    forecast: ForecastHeld | null;
    stacking: ForgettingLeastSquaresState[];
    fusedResiduals: ResidualBufferState[];
    estimateResiduals: ResidualBufferState[];
    ownErrors: Array<{ absSum: number; sqSum: number; n: number; stackedAbsSum: number }>;
    neighbourFit: ForgettingLeastSquaresState;
    pending: Record<string, PendingPrediction[]>;
    seen: number[];
    recentDeviation: Record<string, number>;
  }>;
  cityStacking: ForgettingLeastSquaresState[];
  cityNeighbourFit: ForgettingLeastSquaresState;
  cityFusedResiduals: ResidualBufferState[];
  cityEstimateResiduals: ResidualBufferState[];
  /** Per aggregate and horizon: |observed - predicted| over the members' summed 80 % half-widths. */
  aggregateResiduals: Record<string, ResidualBufferState[]>;
  pendingAggregates: PendingAggregate[];
  neighbourDeviationsDone: number | null;
}

/**
 * One piece of the learned state (see `toRecords()`): `city` (the city-wide fits and
 * bookkeeping), `aggregate:<kind>:<name>` (an aggregate's residuals) or `crossing:<id>`
 * (everything learned for one crossing, including its share of pending aggregate
 * predictions). Each piece stays the same size however large the city, except the city
 * record's list of pending aggregates, which grows with the number of corridors.
 */
export interface FusionStateRecord {
  key: string;
  value: unknown;
}

const Z80 = 1.2816;
const STACK_DIM = 3; // [bias, profile - own, neighbours - own], in units of `scale`
const NEIGHBOUR_DIM = 3; // [bias, neighbours' deviation, city deviation]
const CLIP = 6;
const SEEN_LIMIT = 192;

const clip = (v: number) => Math.max(-CLIP, Math.min(CLIP, v));

/** The sum and count of the known deviations of all crossings at one time. */
interface CitySum {
  sum: number;
  n: number;
}

/** Whether a step remembers what it predicts (advanceTo) or only reads (fuse). */
type Quantiles = (buffer: ResidualBuffer) => { q80: number; q95: number };
const remembering: Quantiles = (b) => b.quantiles();
const readOnly: Quantiles = (b) => b.peekQuantiles();

/**
 * A fused point written out as one literal, in the order the spread it replaced gave (the
 * band, then horizon, target, source and weights: JSON unchanged). Every reader of a
 * result touches these points (aggregates, the served views, planning): built with
 * `{ ...band, … }` they were slow objects to read (about 1 µs per property read at 4,096
 * crossings, 18 times a literal's), which made the city views take 150 ms.
 */
function fusedPoint(band: Omit<HorizonPoint, 'horizonMin'>, horizonMin: number, targetIntervalMs: number, source: FusedPoint['source'], weights?: FusedPoint['weights']): FusedPoint {
  return weights
    ? { mean: band.mean, lo80: band.lo80, hi80: band.hi80, lo95: band.lo95, hi95: band.hi95, horizonMin, targetIntervalMs, source, weights }
    : { mean: band.mean, lo80: band.lo80, hi80: band.hi80, lo95: band.lo95, hi95: band.hi95, horizonMin, targetIntervalMs, source };
}

export class CityFusion {
  readonly graph: NeighbourGraph;
  readonly options: FusionOptions;
  private readonly slots: WeekSlots;
  private readonly stepMs: number;
  private readonly ids: string[];
  private readonly learners = new Map<string, CrossingLearner>();
  private readonly aggregates: Array<{ name: string; kind: 'corridor' | 'city' | 'group'; members: string[] }>;
  private cityStacking: ForgettingLeastSquares[];
  private cityNeighbourFit: ForgettingLeastSquares;
  private cityFusedResiduals: ResidualBuffer[];
  private cityEstimateResiduals: ResidualBuffer[];
  private aggregateResiduals = new Map<string, ResidualBuffer[]>();
  private pendingAggregates: PendingAggregate[] = [];
  /** The same pending aggregates by target interval and member crossing. */
  private readonly pendingAggregatesAt = new Map<number, Map<string, PendingAggregate[]>>();
  private lastFuseMs: number | null = null;
  /** Newest interval whose observed deviations taught the neighbour fit. */
  private neighbourDeviationsDone: number | null = null;
  /** For takeChangedRecords(): crossings fed since the last take, or everything. */
  private readonly changedCrossings = new Set<string>();
  private everythingChanged = true;

  constructor(readonly config: CityFusionConfig, state?: CityFusionState) {
    this.options = { ...DEFAULT_FUSION_OPTIONS, ...config.options };
    const o = this.options;
    this.slots = new WeekSlots(config.timeZone, config.intervalMinutes);
    this.stepMs = config.intervalMinutes * 60_000;
    this.graph = inferNeighbourGraph(config.crossings, o.neighbours);
    this.ids = config.crossings.map((c) => c.id);
    const perHorizon = <T>(make: () => T) => Array.from({ length: o.horizons }, make);
    for (const id of this.ids) {
      const saved = state?.crossings[id];
      this.learners.set(id, saved
        ? {
            profile: WeekProfile.fromJSON(this.slots.slotsPerDay, saved.profile),
            forecast: saved.forecast,
            stacking: saved.stacking.map((s) => ForgettingLeastSquares.fromJSON(s)),
            fusedResiduals: saved.fusedResiduals.map((s) => ResidualBuffer.fromJSON(s)),
            estimateResiduals: saved.estimateResiduals.map((s) => ResidualBuffer.fromJSON(s)),
            ownErrors: saved.ownErrors.map((e) => ({ ...e })),
            neighbourFit: ForgettingLeastSquares.fromJSON(saved.neighbourFit),
            pending: copyPending(saved.pending),
            seen: [...saved.seen],
            recentDeviation: { ...saved.recentDeviation },
          }
        : {
            profile: WeekProfile.empty(this.slots.slotsPerDay),
            forecast: null,
            stacking: perHorizon(() => ForgettingLeastSquares.create(STACK_DIM, o.crossingForgetting)),
            fusedResiduals: perHorizon(() => new ResidualBuffer(o.residualCapacity)),
            estimateResiduals: perHorizon(() => new ResidualBuffer(o.residualCapacity)),
            ownErrors: perHorizon(() => ({ absSum: 0, sqSum: 0, n: 0, stackedAbsSum: 0 })),
            neighbourFit: ForgettingLeastSquares.create(NEIGHBOUR_DIM, o.crossingForgetting),
            pending: {},
            seen: [],
            recentDeviation: {},
          });
    }
    this.cityStacking = state ? state.cityStacking.map((s) => ForgettingLeastSquares.fromJSON(s)) : perHorizon(() => ForgettingLeastSquares.create(STACK_DIM, o.cityForgetting));
    this.cityNeighbourFit = state ? ForgettingLeastSquares.fromJSON(state.cityNeighbourFit) : ForgettingLeastSquares.create(NEIGHBOUR_DIM, o.cityForgetting);
    const cityCapacity = 4 * o.residualCapacity;
    this.cityFusedResiduals = state ? state.cityFusedResiduals.map((s) => ResidualBuffer.fromJSON(s)) : perHorizon(() => new ResidualBuffer(cityCapacity));
    this.cityEstimateResiduals = state ? state.cityEstimateResiduals.map((s) => ResidualBuffer.fromJSON(s)) : perHorizon(() => new ResidualBuffer(cityCapacity));

    this.aggregates = [
      ...this.graph.roads.map((r) => ({ name: r.road, kind: 'corridor' as const, members: r.crossings })),
      { name: 'city', kind: 'city' as const, members: this.ids },
      ...Object.entries(config.groups ?? {}).map(([name, members]) => ({ name, kind: 'group' as const, members: members.filter((m) => this.learners.has(m)) })),
    ];
    for (const a of this.aggregates) {
      const saved = state?.aggregateResiduals[this.aggregateKey(a)];
      this.aggregateResiduals.set(this.aggregateKey(a), saved
        ? saved.map((s) => ResidualBuffer.fromJSON(s))
        : perHorizon(() => new ResidualBuffer(o.residualCapacity)));
    }
    if (state) {
      const membersOf = new Map(this.aggregates.map((a) => [this.aggregateKey(a), a.members]));
      this.pendingAggregates = state.pendingAggregates.map((agg) => copyPendingAggregate(agg, membersOf.get(agg.name)));
      for (const agg of this.pendingAggregates) this.indexPendingAggregate(agg);
      this.lastFuseMs = state.lastFuseMs;
      this.neighbourDeviationsDone = state.neighbourDeviationsDone;
    }
  }

  static fromJSON(state: CityFusionState): CityFusion {
    return new CityFusion(state.config, state);
  }

  /** Rebuilds a fusion from `toRecords()` (each record typically parsed from its own JSON text). */
  static fromRecords(config: CityFusionConfig, records: FusionStateRecord[]): CityFusion {
    return new CityFusion(config, stateFromRecords(config, records));
  }

  /** The learned state as one record per crossing and aggregate plus a city record (see FusionStateRecord). */
  toRecords(): FusionStateRecord[] {
    return stateToRecords(this.toJSON());
  }

  /**
   * The records changed since the last take (all of them the first time, after
   * `markAllChanged()` and after every `advanceTo` step, which touches every crossing),
   * copied, and forgets the changes: a store that writes them keeps a full copy. Between
   * steps, only the crossings fed since and the city record (its residuals) change.
   * `complete` says whether these are all the records.
   */
  takeChangedRecords(): { records: FusionStateRecord[]; complete: boolean } {
    const { crossings, complete } = this.takeChanges();
    const records = complete ? this.toRecords() : crossings.length === 0 ? [] : this.recordsOf(crossings, { city: true, aggregates: false });
    return { records, complete };
  }

  /**
   * What changed since the last take, without copying anything (and forgets the changes):
   * the crossings whose records changed (all of them when `complete`, when the city record
   * and the aggregate records changed too). A store reads them with `recordsOf()` a chunk
   * at a time, and must not let the model change until it has read them all (the records
   * are then one consistent state).
   */
  takeChanges(): { crossings: string[]; complete: boolean } {
    const complete = this.everythingChanged;
    const crossings = complete ? [...this.ids] : [...this.changedCrossings];
    this.everythingChanged = false;
    this.changedCrossings.clear();
    return { crossings, complete };
  }

  /** The records of these crossings, plus the city record and the aggregate records when asked, copied now (as `toRecords()` writes them). */
  recordsOf(crossings: readonly string[], parts: { city: boolean; aggregates: boolean }): FusionStateRecord[] {
    return stateToRecords(this.toJSON(new Set(crossings)), parts);
  }

  /** The next `takeChangedRecords()` returns every record (a save failed, or the store was emptied). */
  markAllChanged(): void {
    this.everythingChanged = true;
  }

  /** The whole learned state (or, with `onlyCrossings`, only those crossings' part of it). */
  toJSON(onlyCrossings?: ReadonlySet<string>): CityFusionState {
    const crossings: CityFusionState['crossings'] = {};
    for (const [id, l] of this.learners) {
      if (onlyCrossings && !onlyCrossings.has(id)) continue;
      crossings[id] = {
        profile: l.profile.toJSON(),
        forecast: l.forecast,
        stacking: l.stacking.map((s) => s.toJSON()),
        fusedResiduals: l.fusedResiduals.map((b) => b.toJSON()),
        estimateResiduals: l.estimateResiduals.map((b) => b.toJSON()),
        ownErrors: l.ownErrors.map((e) => ({ ...e })),
        neighbourFit: l.neighbourFit.toJSON(),
        pending: copyPending(l.pending),
        seen: [...l.seen],
        recentDeviation: { ...l.recentDeviation },
      };
    }
    const aggregateResiduals: CityFusionState['aggregateResiduals'] = {};
    for (const [key, r] of this.aggregateResiduals) aggregateResiduals[key] = r.map((b) => b.toJSON());
    return {
      version: 1,
      config: this.config,
      lastFuseMs: this.lastFuseMs,
      crossings,
      cityStacking: this.cityStacking.map((s) => s.toJSON()),
      cityNeighbourFit: this.cityNeighbourFit.toJSON(),
      cityFusedResiduals: this.cityFusedResiduals.map((b) => b.toJSON()),
      cityEstimateResiduals: this.cityEstimateResiduals.map((b) => b.toJSON()),
      aggregateResiduals,
      // A part of the state holds only its crossings' shares of the pending aggregates.
      pendingAggregates: this.pendingAggregates.map((agg) => (onlyCrossings ? copyPendingAggregateFor(agg, onlyCrossings) : copyPendingAggregate(agg))),
      neighbourDeviationsDone: this.neighbourDeviationsDone,
    };
  }

  /** The city's learned time-of-week profile for a crossing's total at an interval. */
  profileAt(crossingId: string, intervalMs: number): number {
    const l = this.learner(crossingId);
    return Math.max(0, l.profile.at(this.slots.slotOf(intervalMs)));
  }

  /** The worker's measured accuracy per horizon (fused horizon k = 1..H), from forecast vs observed. */
  workerAccuracy(crossingId: string): Array<{ horizonMin: number; mae: number | null; rmse: number | null; samples: number }> {
    return this.learner(crossingId).ownErrors.map((e, i) => ({
      horizonMin: (i + 1) * this.config.intervalMinutes,
      mae: e.n > 0 ? e.absSum / e.n : null,
      rmse: e.n > 0 ? Math.sqrt(e.sqSum / e.n) : null,
      samples: Math.round(e.n),
    }));
  }

  /**
   * A finished interval's observed total (after the worker's cleaning). `filledShare` is
   * the share of the crossing's approaches the worker had to fill; above
   * `maxFilledShareToLearn` the value teaches nothing. `perApproach` is accepted for
   * approach-level links later and not used yet. Re-sent intervals are ignored.
   */
  observe(crossingId: string, intervalStartMs: number, observedTotal: number, perApproach?: Record<string, number | null>, meta: { filledShare?: number } = {}): void {
    void perApproach;
    const l = this.learner(crossingId);
    if (l.seen.includes(intervalStartMs) || !Number.isFinite(observedTotal)) return;
    this.changedCrossings.add(crossingId);
    l.seen.push(intervalStartMs);
    if (l.seen.length > SEEN_LIMIT) l.seen.shift();
    const key = String(intervalStartMs);
    const pending = l.pending[key];
    delete l.pending[key];
    if ((meta.filledShare ?? 0) > this.options.maxFilledShareToLearn) return;
    const y = observedTotal;
    for (const p of pending ?? []) this.score(l, p, y);
    for (const agg of this.pendingAggregatesAt.get(intervalStartMs)?.get(crossingId) ?? []) agg.observed[crossingId] = y;
    const slot = this.slots.slotOf(intervalStartMs);
    if (l.profile.observations > 0) {
      const p = Math.max(0, l.profile.at(slot));
      l.recentDeviation[key] = (y - p) / (p + 2 * this.options.noiseFloor);
    }
    l.profile.learn(slot, y);
    // Keep the newest few deviations only.
    const keys = Object.keys(l.recentDeviation);
    if (keys.length > 8) for (const k of keys.map(Number).sort((a, b) => a - b).slice(0, keys.length - 8)) delete l.recentDeviation[String(k)];
  }

  /**
   * A worker's forecast, issued for (based on) interval `issuedForIntervalMs`: point i is
   * for `issuedFor + horizonMin`. Only the newest forecast per crossing is kept.
   */
  addForecast(crossingId: string, issuedForIntervalMs: number, horizonPoints: HorizonPoint[], meta: { degraded?: boolean } = {}): void {
    const l = this.learner(crossingId);
    if (l.forecast && l.forecast.issuedForIntervalMs > issuedForIntervalMs) return;
    const points = [...horizonPoints].filter((p) => Number.isFinite(p.mean)).sort((a, b) => a.horizonMin - b.horizonMin);
    l.forecast = { issuedForIntervalMs, points, degraded: meta.degraded ?? false };
    this.changedCrossings.add(crossingId);
  }

  /** The data time of the last `advanceTo()` (null: never advanced). */
  get advancedToMs(): number | null {
    return this.lastFuseMs;
  }

  /**
   * Moves the learned state to data time `nowIntervalMs`, once: teaches the neighbour fits
   * with the intervals observed since the last step, scores the aggregates that are due,
   * then predicts (as `fuse()`) and remembers the prediction so the observations of its
   * targets score it. At or before the last step's time nothing is learned again and this
   * is `fuse()`.
   */
  advanceTo(nowIntervalMs: number, crossingStates: Record<string, CrossingState>): FusionResult {
    if (this.lastFuseMs !== null && nowIntervalMs <= this.lastFuseMs) return this.fuse(nowIntervalMs, crossingStates);
    this.learnNeighbourDeviations(nowIntervalMs);
    this.scoreAggregates(nowIntervalMs);
    this.dropStalePending(nowIntervalMs);
    const result = this.predict(nowIntervalMs, crossingStates, true);
    this.lastFuseMs = nowIntervalMs;
    this.everythingChanged = true;
    return result;
  }

  /**
   * The city picture for the `horizons` intervals after `nowIntervalMs` from the state as
   * learned so far, changing nothing (a read: the same call twice gives the same answer).
   * Crossings not in `crossingStates` count as offline. A fresh crossing whose worker
   * flagged its forecast degraded, or that has no forecast for a target, is estimated.
   */
  fuse(nowIntervalMs: number, crossingStates: Record<string, CrossingState>): FusionResult {
    return this.predict(nowIntervalMs, crossingStates, false);
  }

  /** Pending-prediction records and quantile caches are written only when `remember`. */
  private predict(nowIntervalMs: number, crossingStates: Record<string, CrossingState>, remember: boolean): FusionResult {
    const o = this.options;
    const quantiles = remember ? remembering : readOnly;

    const targets = Array.from({ length: o.horizons }, (_, i) => nowIntervalMs + (i + 1) * this.stepMs);
    const ownMean = new Map<string, Array<HorizonPoint | null>>();
    for (const id of this.ids) {
      const l = this.learners.get(id)!;
      const usable = crossingStates[id] === 'fresh' && l.forecast && !l.forecast.degraded;
      ownMean.set(id, targets.map((t) => (usable ? this.ownPointFor(l.forecast!, t) : null)));
    }
    const profiles = new Map(this.ids.map((id) => [id, targets.map((t) => this.profileAt(id, t))]));
    // Each usable worker's forecast deviation from its profile, per horizon: what the
    // neighbour estimates read.
    const deviations = new Map(this.ids.map((id) => [id, targets.map((_, k) => {
      const own = ownMean.get(id)![k];
      if (!own) return null;
      const p = profiles.get(id)![k];
      return (own.mean - p) / (p + 2 * o.noiseFloor);
    })]));
    const deviation = (id: string, k: number): number | null => deviations.get(id)![k];
    const citySums = targets.map((_, k) => this.citySumOf((id) => deviation(id, k)));
    // The city-wide fits are the priors of every crossing's fit: solve them once.
    const stackingPrior = this.cityStacking.map((fit) => fit.solve([0, 0, 0], o.cityRidge));
    const neighbourPrior = this.cityNeighbourFit.solve([0, 0, 0], o.cityRidge);

    const crossings: Record<string, FusedPoint[]> = {};
    for (const id of this.ids) {
      const l = this.learners.get(id)!;
      const neighbourTheta = l.neighbourFit.solve(neighbourPrior, o.crossingRidge);
      crossings[id] = targets.map((targetMs, k) => {
        const p = profiles.get(id)![k];
        const scale = Math.sqrt(p + o.noiseFloor);
        const n = this.neighbourEstimate(id, p, neighbourTheta, (other) => deviation(other, k), citySums[k]);
        const estimateSigma = scale;
        const estimate = this.bandFrom(n, estimateSigma, l.estimateResiduals[k], this.cityEstimateResiduals[k], null, quantiles);
        const own = ownMean.get(id)![k];
        const record: PendingPrediction = { k, profile: p, neighbours: n, scale, estimate: { mean: n, sigma: estimateSigma } };
        let point: FusedPoint;
        if (!own) {
          point = fusedPoint(estimate, (k + 1) * this.config.intervalMinutes, targetMs, 'estimated');
        } else {
          const theta = l.stacking[k].solve(stackingPrior[k], o.crossingRidge);
          const x = [o.stackingIntercept ? 1 : 0, clip((p - own.mean) / scale), clip((n - own.mean) / scale)];
          const stacked = Math.max(0, own.mean + scale * (theta[0] * x[0] + theta[1] * x[1] + theta[2] * x[2]));
          // Serve the stacked mean only where it has beaten the worker's own forecast on
          // this crossing and horizon recently (both scored on the same past intervals).
          const errors = l.ownErrors[k];
          const useStacked = errors.n >= o.minResiduals && errors.stackedAbsSum < errors.absSum;
          const mean = useStacked ? stacked : own.mean;
          record.stacked = stacked;
          const ownSigma = (own.hi80 - own.lo80) / (2 * Z80);
          const sigma = ownSigma > 0.5 ? ownSigma : scale;
          const hasHistory = l.fusedResiduals[k].size >= o.minResiduals || this.cityFusedResiduals[k].size >= o.minResiduals;
          const band = this.bandFrom(mean, sigma, l.fusedResiduals[k], this.cityFusedResiduals[k], own, quantiles);
          record.own = own.mean;
          record.fused = { mean, sigma };
          point = fusedPoint(
            band,
            (k + 1) * this.config.intervalMinutes,
            targetMs,
            hasHistory ? 'fused' : 'own',
            useStacked ? { own: 1 - theta[1] - theta[2], profile: theta[1], neighbours: theta[2], bias: scale * theta[0] } : { own: 1, profile: 0, neighbours: 0, bias: 0 },
          );
        }
        if (remember) (l.pending[String(targetMs)] ??= []).push(record);
        return point;
      });
    }

    const aggregateResult = (a: { name: string; kind: string; members: string[] }): AggregatePoint[] =>
      targets.map((targetMs, k) => {
        let mean = 0;
        let spread = 0;
        let spreadSq = 0;
        let estimated = 0;
        const members: Record<string, [number, number]> = {};
        for (const id of a.members) {
          const pt = crossings[id][k];
          const half = (pt.hi80 - pt.lo80) / 2;
          mean += pt.mean;
          spread += half;
          spreadSq += half * half;
          if (pt.source === 'estimated') estimated++;
          members[id] = [pt.mean, half];
        }
        const residuals = this.aggregateResiduals.get(this.aggregateKey(a))!;
        if (remember) {
          const pending: PendingAggregate = { name: this.aggregateKey(a), targetMs, k, members, observed: {} };
          this.pendingAggregates.push(pending);
          this.indexPendingAggregate(pending);
        }
        const buffer = residuals[k];
        // Normalised by the members' summed half-widths (what full correlation would give);
        // the learned quantile says how much of that the city's errors actually use.
        let q80: number;
        let q95: number;
        if (buffer.size >= o.minResiduals) {
          const q = quantiles(buffer);
          q80 = q.q80 * spread;
          q95 = Math.max(q.q95 * spread, q80);
        } else {
          // No history yet: independent errors would give sqrt(sum of squares); take the
          // middle between that and the fully correlated sum.
          q80 = 0.5 * (spread + Math.sqrt(spreadSq));
          q95 = q80 * (1.96 / Z80);
        }
        return {
          horizonMin: (k + 1) * this.config.intervalMinutes,
          targetIntervalMs: targetMs,
          mean,
          lo80: Math.max(0, mean - q80),
          hi80: mean + q80,
          lo95: Math.max(0, mean - q95),
          hi95: mean + q95,
          crossings: a.members.length,
          estimatedCrossings: estimated,
        };
      });

    const corridors: Record<string, AggregatePoint[]> = {};
    const groups: Record<string, AggregatePoint[]> = {};
    let city: AggregatePoint[] = [];
    for (const a of this.aggregates) {
      const result = aggregateResult(a);
      if (a.kind === 'corridor') corridors[a.name] = result;
      else if (a.kind === 'group') groups[a.name] = result;
      else city = result;
    }
    return { nowIntervalMs, horizonsMin: targets.map((_, k) => (k + 1) * this.config.intervalMinutes), crossings, corridors, city, groups };
  }

  private learner(id: string): CrossingLearner {
    const l = this.learners.get(id);
    if (!l) throw new Error(`unknown crossing ${id}`);
    return l;
  }

  private aggregateKey(a: { name: string; kind: string }): string {
    return `${a.kind}:${a.name}`;
  }

  /** The worker's point for a target: same target if it has one, else its furthest step held flat. */
  private ownPointFor(f: ForecastHeld, targetMs: number): HorizonPoint | null {
    if (f.points.length === 0) return null;
    const horizonMin = (targetMs - f.issuedForIntervalMs) / 60_000;
    if (horizonMin <= 0) return null;
    const exact = f.points.find((p) => p.horizonMin === horizonMin);
    if (exact) return exact;
    const last = f.points[f.points.length - 1];
    // Held flat for at most two steps beyond the worker's furthest horizon.
    return horizonMin > last.horizonMin && horizonMin - last.horizonMin <= 2 * this.config.intervalMinutes ? last : null;
  }

  /**
   * What the neighbours imply for a crossing's total: its profile moved by its neighbours'
   * current forecast deviations (upstream ones weighted by closeness) and the city's,
   * through a regression learned on observed deviations.
   */
  private neighbourEstimate(id: string, profile: number, theta: number[], deviationOf: (other: string) => number | null, citySum: CitySum): number {
    const o = this.options;
    const { nb, city } = this.neighbourFeatures(id, deviationOf, citySum);
    const d = theta[0] + theta[1] * nb + theta[2] * city;
    return Math.max(0, profile + (profile + 2 * o.noiseFloor) * Math.max(-0.9, Math.min(3, d)));
  }

  /**
   * The inverse-distance weighted deviation of a crossing's neighbours, and the city's mean
   * deviation without the crossing itself (taken out of the sum made once for all).
   */
  private neighbourFeatures(id: string, deviationOf: (other: string) => number | null, citySum: CitySum): { nb: number; city: number } {
    let wSum = 0;
    let nb = 0;
    for (const n of this.graph.neighbours[id] ?? []) {
      const d = deviationOf(n.id);
      if (d === null) continue;
      const w = 1 / Math.max(300, n.distanceM);
      nb += w * d;
      wSum += w;
    }
    const own = deviationOf(id);
    const cityN = own === null ? citySum.n : citySum.n - 1;
    const city = cityN > 0 ? (own === null ? citySum.sum : citySum.sum - own) / cityN : 0;
    return { nb: wSum > 0 ? nb / wSum : city, city };
  }

  private bandFrom(mean: number, sigma: number, own: ResidualBuffer, city: ResidualBuffer, carried: HorizonPoint | null, quantiles: Quantiles): Omit<HorizonPoint, 'horizonMin'> {
    const o = this.options;
    const buffer = own.size >= o.minResiduals ? own : city.size >= o.minResiduals ? city : null;
    let h80: number;
    let h95: number;
    if (buffer) {
      const q = quantiles(buffer);
      h80 = q.q80 * sigma;
      h95 = Math.max(q.q95 * sigma, h80);
    } else if (carried) {
      // No residual history yet: the worker's own band, moved with the mean.
      return { mean, lo80: Math.max(0, mean - (carried.mean - carried.lo80)), hi80: mean + (carried.hi80 - carried.mean), lo95: Math.max(0, mean - (carried.mean - carried.lo95)), hi95: mean + (carried.hi95 - carried.mean) };
    } else {
      h80 = 2 * Z80 * sigma;
      h95 = 2 * 1.96 * sigma;
    }
    return { mean, lo80: Math.max(0, mean - h80), hi80: mean + h80, lo95: Math.max(0, mean - h95), hi95: mean + h95 };
  }

  private score(l: CrossingLearner, p: PendingPrediction, y: number): void {
    const k = p.k;
    if (p.own !== undefined && p.fused) {
      const x = [this.options.stackingIntercept ? 1 : 0, clip((p.profile - p.own) / p.scale), clip((p.neighbours - p.own) / p.scale)];
      const r = clip((y - p.own) / p.scale);
      l.stacking[k].update(x, r);
      this.cityStacking[k].update(x, r);
      const e = l.ownErrors[k];
      const decay = this.options.crossingForgetting;
      e.absSum = e.absSum * decay + Math.abs(y - p.own);
      e.sqSum = e.sqSum * decay + (y - p.own) ** 2;
      e.n = e.n * decay + 1;
      e.stackedAbsSum = e.stackedAbsSum * decay + Math.abs(y - (p.stacked ?? p.fused.mean));
      const u = Math.abs(y - p.fused.mean) / p.fused.sigma;
      l.fusedResiduals[k].push(u);
      this.cityFusedResiduals[k].push(u);
    }
    const u = Math.abs(y - p.estimate.mean) / p.estimate.sigma;
    l.estimateResiduals[k].push(u);
    this.cityEstimateResiduals[k].push(u);
  }

  /**
   * Teaches each crossing's neighbour fit with the observed deviations of intervals that
   * have had a full interval to arrive: its own deviation against its neighbours' and the
   * city's at the same interval.
   */
  private learnNeighbourDeviations(nowMs: number): void {
    const upTo = nowMs - this.stepMs;
    const from = this.neighbourDeviationsDone === null ? upTo : this.neighbourDeviationsDone + this.stepMs;
    for (let t = Math.max(from, upTo - 4 * this.stepMs); t <= upTo; t += this.stepMs) {
      const key = String(t);
      const deviationOf = (other: string) => this.learners.get(other)!.recentDeviation[key] ?? null;
      const citySum = this.citySumOf(deviationOf);
      for (const id of this.ids) {
        const d = deviationOf(id);
        if (d === null) continue;
        const { nb, city } = this.neighbourFeatures(id, deviationOf, citySum);
        const x = [1, clip(nb), clip(city)];
        this.learners.get(id)!.neighbourFit.update(x, clip(d));
        this.cityNeighbourFit.update(x, clip(d));
      }
      this.neighbourDeviationsDone = t;
    }
  }

  private citySumOf(deviationOf: (id: string) => number | null): CitySum {
    let sum = 0;
    let n = 0;
    for (const id of this.ids) {
      const d = deviationOf(id);
      if (d === null) continue;
      sum += d;
      n++;
    }
    return { sum, n };
  }

  private scoreAggregates(nowMs: number): void {
    const o = this.options;
    const due = nowMs - o.aggregateScoreLagIntervals * this.stepMs;
    const keep: PendingAggregate[] = [];
    for (const agg of this.pendingAggregates) {
      if (agg.targetMs > due) {
        keep.push(agg);
        continue;
      }
      let spreadAll = 0;
      let spreadObserved = 0;
      let error = 0;
      for (const [id, [mean, half]] of Object.entries(agg.members)) {
        spreadAll += half;
        const y = agg.observed[id];
        if (y === undefined) continue;
        spreadObserved += half;
        error += y - mean;
      }
      if (spreadAll > 0 && spreadObserved >= o.aggregateMinObservedShare * spreadAll) {
        this.aggregateResiduals.get(agg.name)?.[agg.k].push(Math.abs(error) / spreadObserved);
      }
    }
    this.pendingAggregates = keep;
    for (const targetMs of [...this.pendingAggregatesAt.keys()]) if (targetMs <= due) this.pendingAggregatesAt.delete(targetMs);
  }

  /** Indexes a pending aggregate prediction by target and member, so an observation finds its own in O(1). */
  private indexPendingAggregate(agg: PendingAggregate): void {
    let byMember = this.pendingAggregatesAt.get(agg.targetMs);
    if (!byMember) this.pendingAggregatesAt.set(agg.targetMs, (byMember = new Map()));
    for (const id of Object.keys(agg.members)) {
      const list = byMember.get(id);
      if (list) list.push(agg);
      else byMember.set(id, [agg]);
    }
  }

  private dropStalePending(nowMs: number): void {
    const oldest = nowMs - (this.options.horizons + 8) * this.stepMs;
    for (const l of this.learners.values()) {
      for (const key of Object.keys(l.pending)) if (Number(key) < oldest) delete l.pending[key];
    }
  }
}
