import type { WorkerStatus } from './messages';
import type { CongestionView, CrossingFreshness, CrossingSummaryView } from './views';

/**
 * Crossing summaries column by column, as the `snapshot` and `crossing-summaries` socket
 * events carry them: at 4,096 crossings the list of objects was 1.2 MB (each summary named
 * ten fields and spelled five instants out), the columns are about a tenth of it.
 * Browser-safe (no Node APIs): the dashboard unpacks with the same code the server packs with.
 */

/** `freshness[i]` is an index into this list. */
export const FRESHNESS_CODES = ['fresh', 'stale', 'offline', 'unknown'] as const satisfies readonly CrossingFreshness[];
/** `workerStatus[i]` is an index into this list (-1: no status yet). */
export const WORKER_STATUS_CODES = ['starting', 'warming-up', 'ok', 'degraded'] as const satisfies readonly WorkerStatus[];

// Compile-time checks that the code lists name every value.
type MissingFreshness = Exclude<CrossingFreshness, (typeof FRESHNESS_CODES)[number]>;
type MissingWorkerStatus = Exclude<WorkerStatus, (typeof WORKER_STATUS_CODES)[number]>;
export const SUMMARY_CODES_COMPLETE: [MissingFreshness, MissingWorkerStatus] extends [never, never] ? true : [MissingFreshness, MissingWorkerStatus] = true;

/** The instants of a summary, each a column of indexes into `times`. */
const TIME_FIELDS = ['lastForecastIntervalStart', 'offlineSince', 'staleSince', 'degradedSince', 'driftingSince'] as const;
type TimeField = (typeof TIME_FIELDS)[number];

/**
 * Row i of every column is one crossing (`ids[i]`); `count` rows. Instants are indexes into
 * `times` (each distinct ISO string once, exactly as the server has it: alert keys are made
 * from them), -1 for null. Congestion is rare: only the congested rows are listed.
 */
export interface CrossingSummaryColumns extends Record<TimeField, number[]> {
  count: number;
  ids: string[];
  /** Index into FRESHNESS_CODES. */
  freshness: number[];
  /** Index into WORKER_STATUS_CODES, -1 for null. */
  workerStatus: number[];
  lastObservedTotal: Array<number | null>;
  /** 1 when fusion estimates the crossing, else 0. */
  estimated: number[];
  times: string[];
  congestion: Array<{ row: number; view: CongestionView }>;
}

export function packSummaries(list: readonly CrossingSummaryView[]): CrossingSummaryColumns {
  const timeIndex = new Map<string, number>();
  const times: string[] = [];
  const timeOf = (t: string | null): number => {
    if (t === null || t === undefined) return -1;
    let k = timeIndex.get(t);
    if (k === undefined) {
      k = times.length;
      times.push(t);
      timeIndex.set(t, k);
    }
    return k;
  };
  const out: CrossingSummaryColumns = {
    count: list.length,
    ids: [],
    freshness: [],
    workerStatus: [],
    lastObservedTotal: [],
    estimated: [],
    times,
    lastForecastIntervalStart: [],
    offlineSince: [],
    staleSince: [],
    degradedSince: [],
    driftingSince: [],
    congestion: [],
  };
  list.forEach((s, row) => {
    out.ids.push(s.crossingId);
    out.freshness.push(FRESHNESS_CODES.indexOf(s.freshness));
    out.workerStatus.push(s.workerStatus === null ? -1 : WORKER_STATUS_CODES.indexOf(s.workerStatus));
    out.lastObservedTotal.push(s.lastObservedTotal);
    out.estimated.push(s.estimated ? 1 : 0);
    for (const f of TIME_FIELDS) out[f].push(timeOf(s[f]));
    if (s.congestion) out.congestion.push({ row, view: s.congestion });
  });
  return out;
}

export function unpackSummaries(c: CrossingSummaryColumns): CrossingSummaryView[] {
  const congestion = new Map(c.congestion.map((x) => [x.row, x.view]));
  const timeAt = (k: number): string | null => (k >= 0 ? (c.times[k] ?? null) : null);
  const out: CrossingSummaryView[] = new Array(c.count);
  for (let i = 0; i < c.count; i++) {
    out[i] = {
      crossingId: c.ids[i],
      freshness: FRESHNESS_CODES[c.freshness[i]] ?? 'unknown',
      workerStatus: c.workerStatus[i] >= 0 ? (WORKER_STATUS_CODES[c.workerStatus[i]] ?? null) : null,
      lastObservedTotal: c.lastObservedTotal[i] ?? null,
      estimated: c.estimated[i] === 1,
      lastForecastIntervalStart: timeAt(c.lastForecastIntervalStart[i]),
      offlineSince: timeAt(c.offlineSince[i]),
      staleSince: timeAt(c.staleSince[i]),
      degradedSince: timeAt(c.degradedSince[i]),
      driftingSince: timeAt(c.driftingSince[i]),
      congestion: congestion.get(i) ?? null,
    };
  }
  return out;
}
