import { IntervalWidths } from './quantiles';

/** A central forecast with 80% and 95% prediction intervals, in vehicles per interval. */
export interface Band {
  mean: number;
  lower80: number;
  upper80: number;
  lower95: number;
  upper95: number;
}

export interface StepForecast {
  stepsAhead: number;
  total: Band;
  /** In the order of the series' approaches. */
  approaches: Band[];
}

export function band(mean: number, widths: IntervalWidths): Band {
  const m = Math.max(0, mean);
  const q80 = Math.max(0, widths.q80);
  const q95 = Math.max(q80, widths.q95);
  return { mean: m, lower80: Math.max(0, m - q80), upper80: m + q80, lower95: Math.max(0, m - q95), upper95: m + q95 };
}

/** Rounds a band for transport (0.1 vehicle) while keeping its order. */
export function roundBand(b: Band): Band {
  const r = (x: number) => Math.round(x * 10) / 10;
  const mean = r(b.mean);
  const lower80 = Math.min(mean, r(b.lower80));
  const lower95 = Math.min(lower80, r(b.lower95));
  const upper80 = Math.max(mean, r(b.upper80));
  const upper95 = Math.max(upper80, r(b.upper95));
  return { mean, lower80, upper80, lower95, upper95 };
}
