import type { ForecastBand, ForecastMessage } from '@crosscast/contracts';

/**
 * What a signed forecast may claim before fusion stores it. A valid signature proves which
 * crossing's key signed, not that the box holding the key is honest: one compromised or
 * broken edge box must not be able to blind its crossing (a seq far ahead makes every
 * later genuine forecast look replayed), move the city's data time (an interval in 2099)
 * or reach the planner with absurd values (bands of 4e30). Pure: the caller gives the clock.
 */

/**
 * Saturation flow per lane (veh/h) and lanes per approach that no real approach exceeds:
 * a generous physical ceiling (a motorway lane carries about 2,000 veh/h; 8 lanes in one
 * approach is more than any signalised crossing has). Counts above it are not traffic.
 */
export const CEILING_SATURATION_FLOW_PER_LANE = 2400;
export const CEILING_LANES_PER_APPROACH = 8;
/** Forecast bands may reach further than counts (uncertainty), but not beyond this multiple. */
export const BAND_CEILING_FACTOR = 2;

/**
 * A crossing's forecast seq rises by one per forecast, at most one per interval (intervals
 * are at least a minute). 100,000 ahead of the highest accepted is 69 days of one-minute
 * intervals, or almost three years of 15-minute ones, sent while fusion saw none of them:
 * an honest worker never jumps that far, so a bigger jump is refused ('seq-jump').
 */
export const SEQ_JUMP_WINDOW = 100_000;

/** The most vehicles one approach can pass in an interval of this length. */
export function approachCountCeiling(intervalMinutes: number): number {
  return (CEILING_LANES_PER_APPROACH * CEILING_SATURATION_FLOW_PER_LANE * intervalMinutes) / 60;
}

/**
 * The highest seq a worker can have reached by `sentAtMs`: it starts at 0 and sends at most
 * one forecast a minute, so never more than the minutes since the Unix epoch. This bounds
 * the first forecast of a crossing (no highest seq yet) and after an admin reset.
 */
export function seqCeiling(sentAtMs: number): number {
  return Math.floor(sentAtMs / 60_000);
}

export interface AdmissionContext {
  /** Fusion's clock (simulated time in replay), ms. */
  nowMs: number;
  maxClockSkewMs: number;
  /** How many approaches the crossing has in the city definition. */
  approachCount: number;
}

/** Why the forecast may not be stored, or null. Checks run in order; the first problem wins. */
export function admissionProblem(message: ForecastMessage, context: AdmissionContext): string | null {
  const sentAtMs = Date.parse(message.sentAt);
  const basedOnMs = Date.parse(message.basedOnIntervalStart);
  const intervalMs = message.intervalMinutes * 60_000;
  // An interval is forecast from once it has finished: not before it was sent, and never
  // later than fusion's clock allows (sentAt itself is checked against the clock elsewhere).
  const latestEndMs = Math.min(sentAtMs, context.nowMs) + context.maxClockSkewMs;
  if (basedOnMs + intervalMs > latestEndMs) {
    return `basedOnIntervalStart ${message.basedOnIntervalStart} has not finished by sentAt ${message.sentAt} (and fusion's clock): an interval is forecast from once it is over`;
  }
  const maxSeq = seqCeiling(sentAtMs);
  if (message.seq > maxSeq) return `seq ${message.seq} is impossible: a worker sending one forecast a minute since 1970 would be at ${maxSeq} by sentAt`;

  const countCeiling = approachCountCeiling(message.intervalMinutes);
  const totalCeiling = countCeiling * Math.max(1, context.approachCount);
  const observedProblem = (observed: ForecastMessage['observed'], where: string): string | null => {
    for (const [approach, count] of Object.entries(observed.approaches)) {
      if (count !== null && count > countCeiling) return `${where}.approaches.${approach}: ${count} vehicles in ${message.intervalMinutes} min is above the physical ceiling ${countCeiling}`;
    }
    if (observed.total !== null && observed.total > totalCeiling) return `${where}.total: ${observed.total} vehicles is above the crossing's physical ceiling ${totalCeiling}`;
    return null;
  };
  const observed = observedProblem(message.observed, 'observed');
  if (observed) return observed;
  for (const [i, earlier] of (message.earlierObserved ?? []).entries()) {
    const problem = observedProblem(earlier, `earlierObserved.${i}`);
    if (problem) return problem;
  }
  const bandProblem = (band: ForecastBand, ceiling: number, where: string): string | null =>
    band.upper95 > ceiling * BAND_CEILING_FACTOR ? `${where}: upper95 ${band.upper95} is more than ${BAND_CEILING_FACTOR}× the physical ceiling ${ceiling}` : null;
  for (const h of message.horizons) {
    const total = bandProblem(h.total, totalCeiling, `horizons.${h.stepsAhead}.total`);
    if (total) return total;
    for (const [approach, band] of Object.entries(h.approaches)) {
      const problem = bandProblem(band, countCeiling, `horizons.${h.stepsAhead}.approaches.${approach}`);
      if (problem) return problem;
    }
  }
  return null;
}
