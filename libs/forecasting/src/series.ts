/**
 * A crossing's history as the worker keeps it: one entry per interval, contiguous in
 * time (a missing interval is an entry whose values are all null), approaches in a fixed
 * order. Plain arrays so the maths below stays simple and fast.
 */
export interface IntervalSeries {
  intervalMinutes: number;
  approaches: string[];
  /** Start of entry 0, epoch milliseconds (UTC). */
  firstIntervalStartMs: number;
  /** values[t][a] = vehicles counted on approach a in interval t, or null when not reported. */
  values: Array<Array<number | null>>;
}

export function intervalStartMs(series: IntervalSeries, index: number): number {
  return series.firstIntervalStartMs + index * series.intervalMinutes * 60_000;
}

export function intervalsPerDay(intervalMinutes: number): number {
  return Math.round((24 * 60) / intervalMinutes);
}
