import { Band, StepForecast, band } from './bands';
import { CellFlag, CleaningOptions, CleaningSummary, DEFAULT_CLEANING, cleanSeries, summarizeCleaning } from './cleaning';
import { LocalCalendar } from './calendar';
import { TimeOfWeekProfile, slotOfWeek } from './profile';
import { conformalQuantile } from './quantiles';
import { intervalsPerDay } from './series';

/**
 * A chronological backtest: models see history up to each origin and forecast the next
 * intervals; forecasts are scored against the recorded counts in the test window. Pure:
 * the caller loads the data and decides what to print.
 */
export interface BacktestCrossing {
  id: string;
  approaches: string[];
  /** Raw recorded counts, values[t][a]; null = missing. Contiguous intervals from firstIntervalStartMs. */
  raw: Array<Array<number | null>>;
}

export interface BacktestData {
  intervalMinutes: number;
  firstIntervalStartMs: number;
  calendar: LocalCalendar;
  crossings: BacktestCrossing[];
  /** First interval index of the test window; everything before it is training data. */
  testStart: number;
  /** Last interval index of the test window (inclusive). */
  testEnd: number;
  horizons: number;
  /** How readings are judged (default DEFAULT_CLEANING). */
  cleaning?: Partial<CleaningOptions>;
}

/** What a model gets to train on and must forecast for one crossing. */
export interface PreparedCrossing {
  crossing: BacktestCrossing;
  /** Cleaned values over the whole timeline (the cleaner only fills from the past). */
  clean: number[][];
  flags: CellFlag[][];
  /** Whether a cell may be scored / trained on: a real reading. */
  isReal: (t: number, a: number) => boolean;
  /** The count ceiling cleaning held each approach to. */
  limits?: number[];
}

export interface FittedModel {
  /** Forecasts after each origin index (all < testEnd). */
  forecastMany(prepared: PreparedCrossing, origins: number[]): StepForecast[][];
  bytes?: number;
  /** Milliseconds of single forecasts (one origin per call), when the model measured them. */
  singleForecastMs?: number[];
  /** Whether the model scales its profile by the recent level (edge model). */
  usesLevel?: boolean;
}

export interface BacktestModel {
  name: string;
  /** 'ablation': the edge model with a part removed, to show what that part is worth. */
  kind: 'baseline' | 'edge' | 'central' | 'ablation';
  /** Trains on data before `data.testStart`, one crossing at a time (edge, baselines)... */
  fitCrossing?(prepared: PreparedCrossing, data: BacktestData): Promise<FittedModel>;
  /** ...or once on every crossing (central). Returns one fitted model per crossing id. */
  fitCity?(prepared: PreparedCrossing[], data: BacktestData): Promise<Map<string, FittedModel>>;
}

export interface LevelMetrics {
  mae: number[];
  rmse: number[];
  mape: Array<number | null>;
  coverage80: Array<number | null>;
  coverage95: Array<number | null>;
  width80: Array<number | null>;
  points: number[];
}

/** One crossing's scores for one model. */
export interface CrossingMetrics {
  id: string;
  approach: LevelMetrics;
  crossing: LevelMetrics;
}

/** min / median / max over crossings, per horizon (crossings with no scored band left out). */
export interface Spread {
  min: Array<number | null>;
  median: Array<number | null>;
  max: Array<number | null>;
}

export interface ModelResult {
  kind: BacktestModel['kind'];
  approach: LevelMetrics;
  crossing: LevelMetrics;
  perCrossing: CrossingMetrics[];
  /** How interval coverage varies between crossings (approach level). */
  coverageByCrossing: { coverage80: Spread; coverage95: Spread };
  trainSeconds: number[];
  inferMsPerForecast: number[];
  /** Wall time of single forecasts, one origin per call, as a worker makes them. */
  singleForecastMs: number[];
  modelBytes: number[];
  /** Crossings whose model chose the level term (edge model only). */
  levelUsedBy?: string[];
}

export function prepareCrossing(crossing: BacktestCrossing, data: Pick<BacktestData, 'intervalMinutes' | 'firstIntervalStartMs' | 'cleaning'>): PreparedCrossing {
  const clean = cleanSeries(
    { intervalMinutes: data.intervalMinutes, approaches: crossing.approaches, firstIntervalStartMs: data.firstIntervalStartMs, values: crossing.raw },
    { ...DEFAULT_CLEANING, ...data.cleaning },
  );
  return { crossing, clean: clean.values, flags: clean.flags, isReal: (t, a) => clean.flags[t]?.[a] === 'real', limits: clean.limits.map((l) => l.maxCount) };
}

class Accumulator {
  private readonly sums: Array<{ abs: number; sq: number; ape: number; apeN: number; n: number; c80: number; c95: number; w80: number; bands: number }>;
  constructor(horizons: number) {
    this.sums = Array.from({ length: horizons }, () => ({ abs: 0, sq: 0, ape: 0, apeN: 0, n: 0, c80: 0, c95: 0, w80: 0, bands: 0 }));
  }
  add(h: number, actual: number, forecast: Band, hasBand: boolean): void {
    const s = this.sums[h - 1];
    const error = forecast.mean - actual;
    s.abs += Math.abs(error);
    s.sq += error * error;
    if (actual > 0) {
      s.ape += Math.abs(error) / actual;
      s.apeN++;
    }
    s.n++;
    if (hasBand) {
      s.bands++;
      if (actual >= forecast.lower80 && actual <= forecast.upper80) s.c80++;
      if (actual >= forecast.lower95 && actual <= forecast.upper95) s.c95++;
      s.w80 += forecast.upper80 - forecast.lower80;
    }
  }
  result(): LevelMetrics {
    const r = (x: number) => Math.round(x * 1000) / 1000;
    return {
      mae: this.sums.map((s) => r(s.abs / Math.max(1, s.n))),
      rmse: this.sums.map((s) => r(Math.sqrt(s.sq / Math.max(1, s.n)))),
      mape: this.sums.map((s) => (s.apeN ? r((100 * s.ape) / s.apeN) : null)),
      coverage80: this.sums.map((s) => (s.bands ? r(s.c80 / s.bands) : null)),
      coverage95: this.sums.map((s) => (s.bands ? r(s.c95 / s.bands) : null)),
      width80: this.sums.map((s) => (s.bands ? r(s.w80 / s.bands) : null)),
      points: this.sums.map((s) => s.n),
    };
  }
}

export interface BacktestProgress {
  model: string;
  done: number;
  total: number;
  crossingId?: string;
}

/**
 * Runs every model over every crossing. Scored: targets inside the test window whose
 * recorded value is real (not missing, not flagged by cleaning); crossing totals only
 * where every approach is real. `crossingBands: false` for a model whose crossing totals
 * have no interval of their own (coverage then reported as null).
 */
export async function runBacktest(
  data: BacktestData,
  models: BacktestModel[],
  onProgress: (p: BacktestProgress) => void = () => undefined,
  now: () => number = () => 0,
): Promise<Record<string, ModelResult>> {
  return (await runBacktestDetailed(data, models, onProgress, now)).results;
}

/** What cleaning did to one crossing's readings (the whole timeline: training and test). */
export interface CrossingCleaning {
  id: string;
  summary: CleaningSummary;
  /** The count ceiling per approach, in the crossing's approach order. */
  limits: number[];
}

/** runBacktest, with the cleaning tally of every crossing. */
export async function runBacktestDetailed(
  data: BacktestData,
  models: BacktestModel[],
  onProgress: (p: BacktestProgress) => void = () => undefined,
  now: () => number = () => 0,
): Promise<{ results: Record<string, ModelResult>; cleaning: CrossingCleaning[] }> {
  const prepared = data.crossings.map((c) => prepareCrossing(c, data));
  const cleaning = prepared.map((p) => ({ id: p.crossing.id, summary: summarizeCleaning(p.flags), limits: p.limits ?? [] }));
  // Origins from `horizons` intervals before the test window, so every horizon is scored
  // on the same test intervals.
  const origins: number[] = [];
  for (let t = data.testStart - data.horizons; t <= data.testEnd - 1; t++) origins.push(t);
  const results: Record<string, ModelResult> = {};
  for (const model of models) {
    const approachAcc = new Accumulator(data.horizons);
    const crossingAcc = new Accumulator(data.horizons);
    const trainSeconds: number[] = [];
    const inferMs: number[] = [];
    const bytes: number[] = [];
    const single: number[] = [];
    const perCrossing: CrossingMetrics[] = [];
    const levelUsedBy: string[] = [];
    let fittedCity: Map<string, FittedModel> | null = null;
    if (model.fitCity) {
      const started = now();
      fittedCity = await model.fitCity(prepared, data);
      trainSeconds.push((now() - started) / 1000);
    }
    for (const [i, p] of prepared.entries()) {
      onProgress({ model: model.name, done: i, total: prepared.length, crossingId: p.crossing.id });
      let fitted: FittedModel | undefined;
      if (fittedCity) fitted = fittedCity.get(p.crossing.id);
      else if (model.fitCrossing) {
        const started = now();
        fitted = await model.fitCrossing(p, data);
        trainSeconds.push((now() - started) / 1000);
      }
      if (!fitted) continue;
      if (fitted.bytes !== undefined) bytes.push(fitted.bytes);
      if (fitted.usesLevel) levelUsedBy.push(p.crossing.id);
      const started = now();
      const forecasts = fitted.forecastMany(p, origins);
      inferMs.push((now() - started) / Math.max(1, origins.length));
      if (fitted.singleForecastMs) single.push(...fitted.singleForecastMs);
      const A = p.crossing.approaches.length;
      const ownApproach = new Accumulator(data.horizons);
      const ownCrossing = new Accumulator(data.horizons);
      forecasts.forEach((steps, k) => {
        const t = origins[k];
        for (const step of steps) {
          const target = t + step.stepsAhead;
          if (target < data.testStart || target > data.testEnd) continue;
          let allReal = true;
          let total = 0;
          for (let a = 0; a < A; a++) {
            if (!p.isReal(target, a)) {
              allReal = false;
              continue;
            }
            const actual = p.crossing.raw[target][a] as number;
            total += actual;
            approachAcc.add(step.stepsAhead, actual, step.approaches[a], true);
            ownApproach.add(step.stepsAhead, actual, step.approaches[a], true);
          }
          if (allReal) {
            const hasBand = !Number.isNaN(step.total.lower80);
            crossingAcc.add(step.stepsAhead, total, step.total, hasBand);
            ownCrossing.add(step.stepsAhead, total, step.total, hasBand);
          }
        }
      });
      perCrossing.push({ id: p.crossing.id, approach: ownApproach.result(), crossing: ownCrossing.result() });
      onProgress({ model: model.name, done: i + 1, total: prepared.length, crossingId: p.crossing.id });
    }
    results[model.name] = {
      kind: model.kind,
      approach: approachAcc.result(),
      crossing: crossingAcc.result(),
      perCrossing,
      coverageByCrossing: {
        coverage80: spread(perCrossing.map((c) => c.approach.coverage80), data.horizons),
        coverage95: spread(perCrossing.map((c) => c.approach.coverage95), data.horizons),
      },
      trainSeconds,
      inferMsPerForecast: inferMs,
      singleForecastMs: single,
      modelBytes: bytes,
      levelUsedBy,
    };
  }
  return { results, cleaning };
}

function spread(rows: Array<Array<number | null>>, horizons: number): Spread {
  const out: Spread = { min: [], median: [], max: [] };
  for (let h = 0; h < horizons; h++) {
    const xs = rows.map((r) => r[h]).filter((x): x is number => x !== null).sort((a, b) => a - b);
    out.min.push(xs.length ? xs[0] : null);
    out.median.push(xs.length ? (xs.length % 2 ? xs[(xs.length - 1) / 2] : Math.round(((xs[xs.length / 2 - 1] + xs[xs.length / 2]) / 2) * 1000) / 1000) : null);
    out.max.push(xs.length ? xs[xs.length - 1] : null);
  }
  return out;
}

/**
 * The four naive baselines, each with split-conformal intervals from its own errors on
 * the last week of the training data (per horizon; approach level and crossing totals),
 * and the edge model's profile alone as an ablation.
 */
export function baselineModels(): BacktestModel[] {
  const make = (
    name: string,
    point: (p: PreparedCrossing, data: BacktestData, profile: TimeOfWeekProfile | null, t: number, h: number, a: number) => number,
    usesProfile = false,
    kind: BacktestModel['kind'] = 'baseline',
    shrinkage = 0,
    smoothing = false,
  ): BacktestModel => ({
    name,
    kind,
    async fitCrossing(p, data) {
      const trainEnd = data.testStart - 1;
      // The plain historical average: the mean of the training values at the same weekday
      // and time (no shrinkage, no smoothing; the day type's mean only for an empty slot).
      const fitProfile = (end: number) => TimeOfWeekProfile.fit(p.clean.slice(0, end), p.isReal, data.firstIntervalStartMs, data.intervalMinutes, data.calendar, shrinkage, smoothing);
      const profile = usesProfile ? fitProfile(trainEnd + 1) : null;
      const A = p.crossing.approaches.length;
      // Intervals: errors over the last training week, of the baseline as it would have
      // been before that week (the profile refitted without it), so they are out of sample.
      const calibrationFrom = Math.max(intervalsPerDay(data.intervalMinutes) * 7, trainEnd - intervalsPerDay(data.intervalMinutes) * 7);
      const calibrationProfile = usesProfile ? fitProfile(calibrationFrom + 1) : null;
      const widths = Array.from({ length: data.horizons }, (_, hIndex) => {
        const h = hIndex + 1;
        const approachErrors: number[] = [];
        const totalErrors: number[] = [];
        for (let t = calibrationFrom; t + h <= trainEnd; t++) {
          let total = 0;
          let complete = true;
          for (let a = 0; a < A; a++) {
            if (!p.isReal(t + h, a)) {
              complete = false;
              continue;
            }
            const e = p.clean[t + h][a] - point(p, data, calibrationProfile, t, h, a);
            approachErrors.push(Math.abs(e));
            total += e;
          }
          if (complete) totalErrors.push(Math.abs(total));
        }
        return { a80: conformalQuantile(approachErrors, 0.8), a95: conformalQuantile(approachErrors, 0.95), t80: conformalQuantile(totalErrors, 0.8), t95: conformalQuantile(totalErrors, 0.95) };
      });
      return {
        forecastMany: (prepared, origins) =>
          origins.map((t) =>
            widths.map((w, hIndex) => {
              const h = hIndex + 1;
              const means = prepared.crossing.approaches.map((_, a) => Math.max(0, point(prepared, data, profile, t, h, a)));
              const total = means.reduce((s, m) => s + m, 0);
              return {
                stepsAhead: h,
                total: band(total, { q80: w.t80, q95: w.t95 }),
                approaches: means.map((m) => band(m, { q80: w.a80, q95: w.a95 })),
              };
            }),
          ),
      };
    },
  });
  return [
    make('last-value', (p, _d, _pr, t, _h, a) => p.clean[t][a]),
    // Never later than the origin t (horizons are checked to stay under a day).
    make('same-time-yesterday', (p, d, _pr, t, h, a) => p.clean[Math.min(t, d.calendar.sameLocalTimeIndex(t + h, 1, d.firstIntervalStartMs, d.intervalMinutes))][a]),
    make('same-time-last-week', (p, d, _pr, t, h, a) => p.clean[Math.min(t, d.calendar.sameLocalTimeIndex(t + h, 7, d.firstIntervalStartMs, d.intervalMinutes))][a]),
    make(
      'historical-average',
      (_p, d, profile, t, h, a) => profile!.at(slotAt(d, t + h), a),
      true,
    ),
    // The edge model's profile alone (shrunk and smoothed), without its networks.
    make('edge-profile-only', (_p, d, profile, t, h, a) => profile!.at(slotAt(d, t + h), a), true, 'ablation', 1, true),
  ];
}

function slotAt(data: BacktestData, t: number): number {
  return slotOfWeek(data.calendar, data.firstIntervalStartMs + t * data.intervalMinutes * 60_000, data.intervalMinutes);
}
