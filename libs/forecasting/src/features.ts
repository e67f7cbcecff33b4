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
  return a * spec.lags + a * spec.horizons + 2 + 7;
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
 * the target's time of day (sin/cos) and day of week (one-hot), all scaled.
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
  for (let d = 0; d < 7; d++) row.push(d === slot.dayOfWeek ? 1 : 0);
  return row;
}

/** Targets for a forecast made after `index`: approach-major, then horizon. Scaled. */
export function targetRow(spec: FeatureSpec, values: number[][], index: number): number[] {
  const row: number[] = [];
  for (let a = 0; a < spec.approaches.length; a++) {
    for (let h = 1; h <= spec.horizons; h++) row.push(values[index + h][a] / spec.scales[a]);
  }
  return row;
}
