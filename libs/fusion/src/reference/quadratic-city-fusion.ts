/**
 * REFERENCE ONLY: the city fusion as it was before issue 16 (quadratic per step: every
 * crossing's neighbour features walked the whole city), kept verbatim so a unit test can
 * check the linear CityFusion against it on seeded cities and bench/fusion-scale.ts can time
 * both. Not exported from the library's index; do not use it in product code.
 */
import { NeighbourGraph } from '@crosscast/network';
import { ForgettingLeastSquares, ResidualBuffer } from '../online-stats';
import { WeekProfile, WeekSlots } from '../week-profile';
import { AggregatePoint, CityFusionConfig, CityFusionState, CrossingState, DEFAULT_FUSION_OPTIONS, FusedPoint, FusionOptions, FusionResult, HorizonPoint } from '../city-fusion';
import { inferNeighbourGraphQuadratic } from './quadratic-neighbours';

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
 * memory, and `toJSON()` / `CityFusion.fromJSON()` round-trip the whole learned state.
 * Call order per interval: `observe()` and `addForecast()` as messages arrive, then
 * `fuse(now)`. `fuse()` also remembers what it predicted, so later observations score it.
 */

interface ForecastHeld {
  issuedForIntervalMs: number;
  points: HorizonPoint[];
  degraded: boolean;
}

/** What fuse() predicted for one crossing, target and horizon, kept until observed. */
interface PendingPrediction {
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

interface PendingAggregate {
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

const Z80 = 1.2816;
const STACK_DIM = 3; // [bias, profile - own, neighbours - own], in units of `scale`
const NEIGHBOUR_DIM = 3; // [bias, neighbours' deviation, city deviation]
const CLIP = 6;
const SEEN_LIMIT = 192;

const clip = (v: number) => Math.max(-CLIP, Math.min(CLIP, v));

export class QuadraticCityFusion {
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
  private lastFuseMs: number | null = null;
  /** Newest interval whose observed deviations taught the neighbour fit. */
  private neighbourDeviationsDone: number | null = null;

  constructor(readonly config: CityFusionConfig, state?: CityFusionState) {
    this.options = { ...DEFAULT_FUSION_OPTIONS, ...config.options };
    const o = this.options;
    this.slots = new WeekSlots(config.timeZone, config.intervalMinutes);
    this.stepMs = config.intervalMinutes * 60_000;
    this.graph = inferNeighbourGraphQuadratic(config.crossings, o.neighbours);
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
            pending: JSON.parse(JSON.stringify(saved.pending)),
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
      this.pendingAggregates = JSON.parse(JSON.stringify(state.pendingAggregates));
      this.lastFuseMs = state.lastFuseMs;
      this.neighbourDeviationsDone = state.neighbourDeviationsDone;
    }
  }

  static fromJSON(state: CityFusionState): QuadraticCityFusion {
    return new QuadraticCityFusion(state.config, state);
  }

  toJSON(): CityFusionState {
    const crossings: CityFusionState['crossings'] = {};
    for (const [id, l] of this.learners) {
      crossings[id] = {
        profile: l.profile.toJSON(),
        forecast: l.forecast,
        stacking: l.stacking.map((s) => s.toJSON()),
        fusedResiduals: l.fusedResiduals.map((b) => b.toJSON()),
        estimateResiduals: l.estimateResiduals.map((b) => b.toJSON()),
        ownErrors: l.ownErrors.map((e) => ({ ...e })),
        neighbourFit: l.neighbourFit.toJSON(),
        pending: JSON.parse(JSON.stringify(l.pending)),
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
      pendingAggregates: JSON.parse(JSON.stringify(this.pendingAggregates)),
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
    l.seen.push(intervalStartMs);
    if (l.seen.length > SEEN_LIMIT) l.seen.shift();
    const key = String(intervalStartMs);
    const pending = l.pending[key];
    delete l.pending[key];
    if ((meta.filledShare ?? 0) > this.options.maxFilledShareToLearn) return;
    const y = observedTotal;
    for (const p of pending ?? []) this.score(l, p, y);
    for (const agg of this.pendingAggregates) {
      if (agg.targetMs === intervalStartMs && agg.members[crossingId]) agg.observed[crossingId] = y;
    }
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
  }

  /**
   * The city picture for the `horizons` intervals after `nowIntervalMs`. Crossings not in
   * `crossingStates` count as offline. A fresh crossing whose worker flagged its forecast
   * degraded, or that has no forecast for a target, is estimated.
   */
  fuse(nowIntervalMs: number, crossingStates: Record<string, CrossingState>): FusionResult {
    const o = this.options;
    this.learnNeighbourDeviations(nowIntervalMs);
    this.scoreAggregates(nowIntervalMs);
    this.dropStalePending(nowIntervalMs);

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
        const n = this.neighbourEstimate(id, p, neighbourTheta, (other) => deviation(other, k));
        const estimateSigma = scale;
        const estimate = this.bandFrom(n, estimateSigma, l.estimateResiduals[k], this.cityEstimateResiduals[k], null);
        const own = ownMean.get(id)![k];
        const record: PendingPrediction = { k, profile: p, neighbours: n, scale, estimate: { mean: n, sigma: estimateSigma } };
        let point: FusedPoint;
        if (!own) {
          point = { ...estimate, horizonMin: (k + 1) * this.config.intervalMinutes, targetIntervalMs: targetMs, source: 'estimated' };
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
          const band = this.bandFrom(mean, sigma, l.fusedResiduals[k], this.cityFusedResiduals[k], own);
          record.own = own.mean;
          record.fused = { mean, sigma };
          point = {
            ...band,
            horizonMin: (k + 1) * this.config.intervalMinutes,
            targetIntervalMs: targetMs,
            source: hasHistory ? 'fused' : 'own',
            weights: useStacked ? { own: 1 - theta[1] - theta[2], profile: theta[1], neighbours: theta[2], bias: scale * theta[0] } : { own: 1, profile: 0, neighbours: 0, bias: 0 },
          };
        }
        (l.pending[String(targetMs)] ??= []).push(record);
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
        this.pendingAggregates.push({ name: this.aggregateKey(a), targetMs, k, members, observed: {} });
        const buffer = residuals[k];
        // Normalised by the members' summed half-widths (what full correlation would give);
        // the learned quantile says how much of that the city's errors actually use.
        let q80: number;
        let q95: number;
        if (buffer.size >= o.minResiduals) {
          const q = buffer.quantiles();
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
    this.lastFuseMs = nowIntervalMs;
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
  private neighbourEstimate(id: string, profile: number, theta: number[], deviationOf: (other: string) => number | null): number {
    const o = this.options;
    const { nb, city } = this.neighbourFeatures(id, deviationOf);
    const d = theta[0] + theta[1] * nb + theta[2] * city;
    return Math.max(0, profile + (profile + 2 * o.noiseFloor) * Math.max(-0.9, Math.min(3, d)));
  }

  private neighbourFeatures(id: string, deviationOf: (other: string) => number | null): { nb: number; city: number } {
    let wSum = 0;
    let nb = 0;
    for (const n of this.graph.neighbours[id] ?? []) {
      const d = deviationOf(n.id);
      if (d === null) continue;
      const w = 1 / Math.max(300, n.distanceM);
      nb += w * d;
      wSum += w;
    }
    let citySum = 0;
    let cityN = 0;
    for (const other of this.ids) {
      if (other === id) continue;
      const d = deviationOf(other);
      if (d === null) continue;
      citySum += d;
      cityN++;
    }
    const city = cityN > 0 ? citySum / cityN : 0;
    return { nb: wSum > 0 ? nb / wSum : city, city };
  }

  private bandFrom(mean: number, sigma: number, own: ResidualBuffer, city: ResidualBuffer, carried: HorizonPoint | null): Omit<HorizonPoint, 'horizonMin'> {
    const o = this.options;
    const buffer = own.size >= o.minResiduals ? own : city.size >= o.minResiduals ? city : null;
    let h80: number;
    let h95: number;
    if (buffer) {
      const q = buffer.quantiles();
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
      for (const id of this.ids) {
        const d = deviationOf(id);
        if (d === null) continue;
        const { nb, city } = this.neighbourFeatures(id, deviationOf);
        const x = [1, clip(nb), clip(city)];
        this.learners.get(id)!.neighbourFit.update(x, clip(d));
        this.cityNeighbourFit.update(x, clip(d));
      }
      this.neighbourDeviationsDone = t;
    }
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
  }

  private dropStalePending(nowMs: number): void {
    const oldest = nowMs - (this.options.horizons + 8) * this.stepMs;
    for (const l of this.learners.values()) {
      for (const key of Object.keys(l.pending)) if (Number(key) < oldest) delete l.pending[key];
    }
  }
}
