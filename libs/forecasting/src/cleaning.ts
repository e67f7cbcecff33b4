import { IntervalSeries, intervalsPerDay } from './series';

/**
 * How readings are judged. There is no fixed "impossible" count: an interval's ceiling
 * comes from physics (lanes x saturation flow x interval length) and, once a detector has
 * a history, from that detector's own history (a robust high quantile x a factor), so
 * hourly counts of 5,000 on a big road are kept while a stuck-high loop on a side street
 * is caught.
 */
export interface CleaningOptions {
  /**
   * A fixed ceiling per interval for every approach, overriding the derived ones
   * (null = derive from physics and history, the default).
   */
  maxCountPerInterval: number | null;
  /** Vehicles per hour per lane a stop line can discharge at most (saturation flow). */
  saturationFlowPerLane: number;
  /**
   * Lanes of each approach when known (a number for all, or one per approach in the
   * series' order; 0 or missing = unknown). Unknown approaches get `defaultLanes`.
   */
  lanes: number | number[] | null;
  /** Lanes assumed when unknown: generous, so only the physically absurd is dropped. */
  defaultLanes: number;
  /** The history bound: this quantile of the detector's positive real readings... */
  historyQuantile: number;
  /** ...times this factor. */
  historyFactor: number;
  /** The history bound applies once a detector has this many positive readings. */
  historyMinReadings: number;
  /** This many consecutive zeros on one approach (or more) are taken as a stuck detector. */
  stuckZeroRunIntervals: number;
  /**
   * An interval where every approach reads zero, right after an interval whose total was
   * at least this, is taken as an outage (a controller reset, or the daylight-saving hour
   * the controller fills with zeros), not as an empty street.
   */
  outageMinPreviousTotal: number;
}

export const DEFAULT_CLEANING: CleaningOptions = {
  maxCountPerInterval: null,
  saturationFlowPerLane: 2400,
  lanes: null,
  defaultLanes: 6,
  historyQuantile: 0.995,
  historyFactor: 4,
  historyMinReadings: 200,
  stuckZeroRunIntervals: 8,
  outageMinPreviousTotal: 20,
};

/**
 * Why a cell is what it is; anything but 'real' was filled.
 * - missing: not reported;
 * - invalid: negative or not a number;
 * - over-capacity: more than the approach's lanes could carry in the interval;
 * - over-history: far above anything the detector has counted before (a stuck-high loop);
 * - stuck-zero / outage: see CleaningOptions.
 */
export type CellFlag = 'real' | 'missing' | 'invalid' | 'over-capacity' | 'over-history' | 'stuck-zero' | 'outage';

export const CELL_FLAGS: readonly CellFlag[] = ['real', 'missing', 'invalid', 'over-capacity', 'over-history', 'stuck-zero', 'outage'];

export interface CleanSeries {
  /** Filled values, never null, never negative. */
  values: number[][];
  /** Why each cell is what it is; anything but 'real' was filled. */
  flags: CellFlag[][];
  /** The ceiling each approach's readings were held to, and where it came from. */
  limits: ApproachLimit[];
}

export interface ApproachLimit {
  /** Counts above this in one interval were dropped. */
  maxCount: number;
  /** The physical ceiling: lanes x saturation flow x interval hours. */
  capacity: number;
  lanes: number;
  lanesKnown: boolean;
  /** The history ceiling (null until the detector has enough history). */
  history: number | null;
  source: 'fixed' | 'capacity' | 'history';
}

/** Per-approach ceilings for a series (see CleaningOptions). */
export function approachLimits(series: IntervalSeries, options: CleaningOptions = DEFAULT_CLEANING): ApproachLimit[] {
  const hours = series.intervalMinutes / 60;
  return series.approaches.map((_, a) => {
    const given = Array.isArray(options.lanes) ? options.lanes[a] : options.lanes;
    const lanesKnown = typeof given === 'number' && given > 0;
    const lanes = lanesKnown ? (given as number) : options.defaultLanes;
    const capacity = Math.ceil(lanes * options.saturationFlowPerLane * hours);
    if (options.maxCountPerInterval !== null && options.maxCountPerInterval !== undefined) {
      return { maxCount: options.maxCountPerInterval, capacity, lanes, lanesKnown, history: null, source: 'fixed' as const };
    }
    const positive: number[] = [];
    for (const row of series.values) {
      const v = row[a];
      if (typeof v === 'number' && Number.isFinite(v) && v > 0 && v <= capacity) positive.push(v);
    }
    let history: number | null = null;
    if (positive.length >= options.historyMinReadings) {
      positive.sort((x, y) => x - y);
      const q = positive[Math.min(positive.length - 1, Math.floor(options.historyQuantile * positive.length))];
      // Never below what one lane carries in half the interval: a quiet detector's quantile
      // is small, and a busy hour on it is not a fault.
      history = Math.ceil(Math.max(q * options.historyFactor, 0.5 * options.saturationFlowPerLane * hours));
    }
    const useHistory = history !== null && history < capacity;
    return { maxCount: useHistory ? (history as number) : capacity, capacity, lanes, lanesKnown, history, source: useHistory ? ('history' as const) : ('capacity' as const) };
  });
}

/**
 * Flags bad readings and fills them. Flags: null (missing), negative/non-finite (invalid),
 * over the approach's physical ceiling (over-capacity) or far over its own history
 * (over-history), runs of zeros longer than the limit (stuck-zero), and all-zero
 * intervals straight after busy ones (outage). Fill order, per cell: same time last week,
 * same time yesterday (if that cell was real), else the last real value of the approach,
 * else the approach's mean of real values, else 0.
 */
export function cleanSeries(series: IntervalSeries, options: CleaningOptions = DEFAULT_CLEANING): CleanSeries {
  const n = series.values.length;
  const approachCount = series.approaches.length;
  const limits = approachLimits(series, options);
  const flags: CellFlag[][] = series.values.map((row) =>
    row.map((v, a) => {
      if (v === null || v === undefined) return 'missing';
      if (!Number.isFinite(v) || v < 0) return 'invalid';
      if (v > limits[a].capacity) return 'over-capacity';
      if (v > limits[a].maxCount) return limits[a].source === 'history' ? 'over-history' : 'over-capacity';
      return 'real';
    }),
  );
  // Stuck-at-zero runs, per approach.
  for (let a = 0; a < approachCount; a++) {
    let runStart = -1;
    for (let t = 0; t <= n; t++) {
      const isZero = t < n && flags[t][a] === 'real' && series.values[t][a] === 0;
      if (isZero && runStart < 0) runStart = t;
      if (!isZero && runStart >= 0) {
        if (t - runStart >= options.stuckZeroRunIntervals) {
          for (let k = runStart; k < t; k++) flags[k][a] = 'stuck-zero';
        }
        runStart = -1;
      }
    }
  }

  // All-zero outages right after a busy interval, and the all-zero intervals that follow
  // them (the daylight-saving hour is four such intervals).
  let inOutage = false;
  for (let t = 1; t < n; t++) {
    const row = series.values[t];
    const allZero = row.every((v, a) => flags[t][a] !== 'real' || v === 0) && row.some((v, a) => flags[t][a] === 'real');
    if (!allZero) {
      inOutage = false;
      continue;
    }
    if (inOutage) {
      for (let a = 0; a < approachCount; a++) if (flags[t][a] === 'real') flags[t][a] = 'outage';
      continue;
    }
    let previousTotal = 0;
    let previousReal = false;
    for (let a = 0; a < approachCount; a++) {
      if (flags[t - 1][a] === 'real') {
        previousReal = true;
        previousTotal += series.values[t - 1][a] as number;
      }
    }
    if (previousReal && previousTotal >= options.outageMinPreviousTotal) {
      inOutage = true;
      for (let a = 0; a < approachCount; a++) if (flags[t][a] === 'real') flags[t][a] = 'outage';
    }
  }

  const day = intervalsPerDay(series.intervalMinutes);
  const week = day * 7;
  const means = series.approaches.map((_, a) => {
    let sum = 0;
    let count = 0;
    for (let t = 0; t < n; t++) {
      if (flags[t][a] === 'real') {
        sum += series.values[t][a] as number;
        count++;
      }
    }
    return count > 0 ? sum / count : 0;
  });

  const values: number[][] = new Array(n);
  const lastReal: Array<number | null> = new Array(approachCount).fill(null);
  for (let t = 0; t < n; t++) {
    const row = new Array<number>(approachCount);
    for (let a = 0; a < approachCount; a++) {
      if (flags[t][a] === 'real') {
        row[a] = series.values[t][a] as number;
        lastReal[a] = row[a];
      } else if (t >= week && flags[t - week][a] === 'real') {
        row[a] = values[t - week][a];
      } else if (t >= day && flags[t - day][a] === 'real') {
        row[a] = values[t - day][a];
      } else if (lastReal[a] !== null) {
        row[a] = lastReal[a] as number;
      } else {
        row[a] = means[a];
      }
    }
    values[t] = row;
  }
  return { values, flags, limits };
}

/** Share of cells in rows [from, to) that are real readings. */
export function realShare(clean: CleanSeries, from: number, to: number): number {
  let real = 0;
  let all = 0;
  for (let t = Math.max(0, from); t < Math.min(to, clean.flags.length); t++) {
    for (const flag of clean.flags[t]) {
      all++;
      if (flag === 'real') real++;
    }
  }
  return all === 0 ? 0 : real / all;
}

/** Cells per flag, and the share of reported readings that cleaning dropped. */
export interface CleaningSummary {
  cells: number;
  /** Cells that held a reading (not 'missing'). */
  reported: number;
  counts: Record<CellFlag, number>;
  /** counts[flag] / cells, rounded to 0.0001. */
  shares: Record<CellFlag, number>;
  /** Reported readings dropped (flagged anything but real) / reported readings. */
  droppedShare: number;
}

/** Tallies the flags of rows [from, to) (default: all). */
export function summarizeCleaning(flags: CellFlag[][], from = 0, to = flags.length): CleaningSummary {
  const counts = Object.fromEntries(CELL_FLAGS.map((f) => [f, 0])) as Record<CellFlag, number>;
  let cells = 0;
  for (let t = Math.max(0, from); t < Math.min(to, flags.length); t++) {
    for (const flag of flags[t]) {
      counts[flag]++;
      cells++;
    }
  }
  const reported = cells - counts.missing;
  const r4 = (x: number) => Math.round(x * 10_000) / 10_000;
  const shares = Object.fromEntries(CELL_FLAGS.map((f) => [f, cells ? r4(counts[f] / cells) : 0])) as Record<CellFlag, number>;
  return { cells, reported, counts, shares, droppedShare: reported ? r4((reported - counts.real) / reported) : 0 };
}

/** Above this share of dropped readings, cleaning warns: the limits or the feed are wrong. */
export const DROPPED_WARNING_SHARE = 0.05;

/** A one-line warning when cleaning dropped more than DROPPED_WARNING_SHARE of the readings, else null. */
export function cleaningWarning(summary: CleaningSummary, what: string): string | null {
  if (summary.droppedShare <= DROPPED_WARNING_SHARE) return null;
  const reasons = CELL_FLAGS.filter((f) => f !== 'real' && f !== 'missing' && summary.counts[f] > 0)
    .map((f) => `${f} ${summary.counts[f]}`)
    .join(', ');
  return `${what}: cleaning dropped ${(100 * summary.droppedShare).toFixed(1)}% of ${summary.reported} readings (${reasons}); check the interval length, lanes and cleaning limits`;
}
