import { conformalQuantile, intervalWidths } from './quantiles';
import { mulberry32 } from '../../../test/support/prng';

/** Standard normal draw (Box-Muller). */
function gaussian(random: () => number): number {
  return Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
}

describe('conformalQuantile', () => {
  it('returns the ceil((n + 1) * coverage)-th smallest residual', () => {
    const ten = [7, 3, 10, 1, 9, 2, 8, 4, 6, 5];
    expect(conformalQuantile(ten, 0.8)).toBe(9); // ceil(11 * 0.8) = 9
    expect(conformalQuantile(ten, 0.5)).toBe(6); // ceil(5.5) = 6
    expect(conformalQuantile(ten, 0.95)).toBe(10); // ceil(10.45) = 11, clipped to the largest
  });

  it('is conservative on small samples: with 3 residuals the 80% quantile is the largest', () => {
    expect(conformalQuantile([0.5, 2, 1], 0.8)).toBe(2); // ceil(3.2) = 4 -> clipped to 3rd
  });

  it('sorts numerically, not as strings, and does not reorder its input', () => {
    const input = [100, 9, 20, 3];
    expect(conformalQuantile(input, 0.5)).toBe(20); // ceil(2.5) = 3rd of 3, 9, 20, 100
    expect(input).toEqual([100, 9, 20, 3]);
  });

  it('is 0 with no residuals, and the smallest one at coverage 0', () => {
    expect(conformalQuantile([], 0.8)).toBe(0);
    expect(conformalQuantile([4, 2, 6], 0)).toBe(2);
  });

  it('gives about the promised coverage on new residuals from the same distribution', () => {
    const random = mulberry32(1958);
    const residuals = Array.from({ length: 2000 }, () => Math.abs(12 * gaussian(random)));
    const calibration = residuals.slice(0, 1000);
    const fresh = residuals.slice(1000);
    for (const coverage of [0.8, 0.95]) {
      const q = conformalQuantile(calibration, coverage);
      const covered = fresh.filter((r) => r <= q).length / fresh.length;
      expect(covered).toBeGreaterThan(coverage - 0.035);
      expect(covered).toBeLessThan(coverage + 0.035);
    }
  });
});

describe('intervalWidths', () => {
  it('gives the 80% and 95% quantiles', () => {
    const residuals = Array.from({ length: 99 }, (_, i) => i + 1); // 1..99
    expect(intervalWidths(residuals)).toEqual({ q80: 80, q95: 95 });
  });
});
