import { LocalCalendar } from './calendar';
import { intervalsPerDay } from './series';

/** How a crossing's model turns history into inputs. Stored with the model. */
export interface FeatureSpec {
  intervalMinutes: number;
  /** Forecast steps ahead (4 x 15 min = 15..60 minutes). */
  horizons: number;
  /** Recent intervals used per approach. */
  lags: number;
  approaches: string[];
  /** Per-approach divisor (typical count) so all inputs are near 1. */
  scales: number[];
}

export function inputSize(spec: FeatureSpec): number {
  const a = spec.approaches.length;
  return a * spec.lags + a * spec.horizons + 2 + 2;
}

export function outputSize(spec: FeatureSpec): number {
  return spec.approaches.length * spec.horizons;
}

/** The first history index from which a full feature row can be built. */
export function firstUsableIndex(spec: FeatureSpec): number {
  return Math.max(spec.lags - 1, intervalsPerDay(spec.intervalMinutes) - 1);
}

/**
 * Inputs for a forecast made after interval `index` (the last finished one): the last
 * `lags` values of each approach, each approach's values at the target times yesterday,
 * the target's time of day (sin/cos) and weekend flags, all scaled.
 */
export function featureRow(
  spec: FeatureSpec,
  values: number[][],
  index: number,
  firstIntervalStartMs: number,
  calendar: LocalCalendar,
): number[] {
  const day = intervalsPerDay(spec.intervalMinutes);
  const row: number[] = [];
  for (let a = 0; a < spec.approaches.length; a++) {
    for (let l = 0; l < spec.lags; l++) row.push(values[index - l][a] / spec.scales[a]);
    for (let h = 1; h <= spec.horizons; h++) {
      const t = index + h - day;
      row.push((t >= 0 ? values[t][a] : values[index][a]) / spec.scales[a]);
    }
  }
  const targetMs = firstIntervalStartMs + (index + 1) * spec.intervalMinutes * 60_000;
  const slot = calendar.slotOf(targetMs);
  const angle = (2 * Math.PI * slot.minuteOfDay) / (24 * 60);
  row.push(Math.sin(angle), Math.cos(angle));
  // Saturday and Sunday flags rather than a weekday one-hot: a few weeks of history
  // hold too few of each weekday to learn seven separate patterns.
  row.push(slot.dayOfWeek === 5 ? 1 : 0, slot.dayOfWeek === 6 ? 1 : 0);
  return row;
}

/**
 * Targets for a forecast made after `index`, approach-major then horizon, scaled: the
 * change from the last observed value. Learning the change rather than the level keeps a
 * small network from drifting far from the obvious answer on little data.
 */
export function targetRow(spec: FeatureSpec, values: number[][], index: number): number[] {
  const row: number[] = [];
  for (let a = 0; a < spec.approaches.length; a++) {
    for (let h = 1; h <= spec.horizons; h++) row.push((values[index + h][a] - values[index][a]) / spec.scales[a]);
  }
  return row;
}

/** Inverse of targetRow for one output: the forecast level in vehicles. */
export function levelFromOutput(spec: FeatureSpec, values: number[][], index: number, approach: number, output: number): number {
  return values[index][approach] + output * spec.scales[approach];
}
