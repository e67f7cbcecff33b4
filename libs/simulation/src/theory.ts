/**
 * Textbook delay at an isolated fixed-time signal with random arrivals, for validating the
 * engine. Both take the EFFECTIVE green ratio λ = g / c (g = displayed green − startup lost
 * time + amber used), the arrival flow q and the degree of saturation x = q / (λ s).
 */

/**
 * Webster (1958): mean delay per vehicle, seconds.
 *   d = c(1−λ)² / (2(1−λx)) + x² / (2q(1−x)) − 0.65 (c/q²)^(1/3) x^(2+5λ)
 * with q in vehicles per second. Valid for x < 1.
 */
export function websterDelay(cycleSeconds: number, effectiveGreenRatio: number, flowVehPerHour: number, degreeOfSaturation: number): number {
  const c = cycleSeconds;
  const lambda = effectiveGreenRatio;
  const x = degreeOfSaturation;
  const q = flowVehPerHour / 3600;
  const uniform = (c * (1 - lambda) ** 2) / (2 * (1 - lambda * x));
  const random = (x * x) / (2 * q * (1 - x));
  const correction = 0.65 * Math.cbrt(c / (q * q)) * x ** (2 + 5 * lambda);
  return uniform + random - correction;
}

/**
 * HCM (2000/2010) control delay without initial queue, progression factor 1:
 *   d1 = 0.5 c (1−λ)² / (1 − min(1,x) λ)
 *   d2 = 900 T [(x−1) + √((x−1)² + 8 k I x / (cap T))]
 * T analysis period in hours, k = 0.5 (pretimed), I = 1 (isolated), cap in veh/h.
 */
export function hcmDelay(cycleSeconds: number, effectiveGreenRatio: number, capacityVehPerHour: number, degreeOfSaturation: number, analysisHours = 0.25): { uniform: number; incremental: number; total: number } {
  const c = cycleSeconds;
  const lambda = effectiveGreenRatio;
  const x = degreeOfSaturation;
  const uniform = (0.5 * c * (1 - lambda) ** 2) / (1 - Math.min(1, x) * lambda);
  const k = 0.5;
  const T = analysisHours;
  const incremental = 900 * T * (x - 1 + Math.sqrt((x - 1) ** 2 + (8 * k * x) / (capacityVehPerHour * T)));
  return { uniform, incremental, total: uniform + incremental };
}
