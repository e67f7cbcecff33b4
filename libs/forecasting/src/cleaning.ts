import { IntervalSeries, intervalsPerDay } from './series';

export interface CleaningOptions {
  /** A count above this in one interval is impossible for one approach (a detector fault). */
  maxCountPerInterval: number;
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
  maxCountPerInterval: 1000,
  stuckZeroRunIntervals: 8,
  outageMinPreviousTotal: 20,
};

export type CellFlag = 'real' | 'missing' | 'impossible' | 'stuck-zero' | 'outage';

export interface CleanSeries {
  /** Filled values, never null, never negative. */
  values: number[][];
  /** Why each cell is what it is; anything but 'real' was filled. */
  flags: CellFlag[][];
}

/**
 * Flags bad readings and fills them. Flags: null (missing), negative/non-finite/over the
 * limit (impossible), runs of zeros longer than the limit (stuck-zero), and all-zero
 * intervals straight after busy ones (outage). Fill order, per cell: same time last week,
 * same time yesterday (if that cell was real), else the last real value of the approach,
 * else the approach's mean of real values, else 0.
 */
export function cleanSeries(series: IntervalSeries, options: CleaningOptions = DEFAULT_CLEANING): CleanSeries {
  const n = series.values.length;
  const approachCount = series.approaches.length;
  const flags: CellFlag[][] = series.values.map((row) =>
    row.map((v) => {
      if (v === null || v === undefined) return 'missing';
      if (!Number.isFinite(v) || v < 0 || v > options.maxCountPerInterval) return 'impossible';
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
  return { values, flags };
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
