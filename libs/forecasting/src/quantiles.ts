/**
 * Split-conformal quantile of absolute residuals: the ceil((n+1)(1-alpha))-th smallest,
 * which gives at least 1-alpha coverage on exchangeable data.
 */
export function conformalQuantile(absResiduals: number[], coverage: number): number {
  if (absResiduals.length === 0) return 0;
  const sorted = [...absResiduals].sort((x, y) => x - y);
  const rank = Math.ceil((sorted.length + 1) * coverage);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1];
}

export interface IntervalWidths {
  q80: number;
  q95: number;
}

export function intervalWidths(absResiduals: number[]): IntervalWidths {
  return { q80: conformalQuantile(absResiduals, 0.8), q95: conformalQuantile(absResiduals, 0.95) };
}
