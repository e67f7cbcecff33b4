/**
 * Turning a forecast's centre and upper 80 % bound into a few equally likely demand
 * levels, so a plan can be judged by its expected delay rather than by its delay at the
 * centre alone. Deterministic: fixed quantiles, no sampling.
 */

/** z of the 90th percentile: the upper bound of a central 80 % interval. */
export const Z_UPPER_80 = 1.2815515655446004;

export type DemandDistribution = 'lognormal' | 'normal';

/**
 * Inverse of the standard normal CDF (Acklam's rational approximation, relative error
 * below 1.2e-9 over (0, 1)).
 */
export function normalQuantile(p: number): number {
  if (!(p > 0 && p < 1)) throw new Error(`a quantile needs 0 < p < 1, got ${p}`);
  const a = [-3.969683028665376e1, 2.209460984245205e2, -2.759285104469687e2, 1.38357751867269e2, -3.066479806614716e1, 2.506628277459239];
  const b = [-5.447609879822406e1, 1.615858368580409e2, -1.556989798598866e2, 6.680131188771972e1, -1.328068155288572e1];
  const c = [-7.784894002430293e-3, -3.223964580411365e-1, -2.400758277161838, -2.549732539343734, 4.374664141464968, 2.938163982698783];
  const d = [7.784695709041462e-3, 3.224671290700398e-1, 2.445134137142996, 3.754408661907416];
  const low = 0.02425;
  if (p < low) {
    const q = Math.sqrt(-2 * Math.log(p));
    return (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
  }
  if (p > 1 - low) return -normalQuantile(1 - p);
  const q = p - 0.5;
  const r = q * q;
  return ((((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q) / (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1);
}

/**
 * The flow at quantile p of a forecast with this mean and upper 80 % bound.
 *
 * - `lognormal` (default): keeps the mean and puts the upper bound at the 90th percentile,
 *   so a bound far above the mean gives a long upper tail (demand surges) and a short
 *   lower one. When the bound is more than about 2.27 times the mean no lognormal with
 *   that mean reaches it; the widest one (sigma = 1.28) is used.
 * - `normal`: symmetric, sigma = (upper - mean) / 1.2816, cut at zero.
 */
export function flowAtQuantile(mean: number, upper80: number, p: number, distribution: DemandDistribution = 'lognormal'): number {
  if (!Number.isFinite(mean) || mean < 0) throw new Error('forecast mean must be a non-negative number');
  if (!Number.isFinite(upper80) || upper80 < mean) throw new Error('forecast upper bound must be a number at or above the mean');
  if (mean === 0 || upper80 === mean) return mean;
  const z = normalQuantile(p);
  if (distribution === 'normal') return Math.max(0, mean + ((upper80 - mean) / Z_UPPER_80) * z);
  const spread = Math.log(upper80 / mean); // = sigma z90 - sigma^2 / 2 for a mean-preserving lognormal
  const sigma = 2 * spread >= Z_UPPER_80 ** 2 ? Z_UPPER_80 : Z_UPPER_80 - Math.sqrt(Z_UPPER_80 ** 2 - 2 * spread);
  const mu = Math.log(mean) - sigma ** 2 / 2;
  return Math.exp(mu + sigma * z);
}

/** Five equally likely levels: the midpoints of the quintiles. */
export const DEFAULT_SCENARIO_QUANTILES = [0.1, 0.3, 0.5, 0.7, 0.9];
