import { Band, band, roundBand } from './bands';
import { mulberry32 } from '../../../test/support/prng';

function ordered(b: Band): boolean {
  return b.lower95 <= b.lower80 && b.lower80 <= b.mean && b.mean <= b.upper80 && b.upper80 <= b.upper95;
}

describe('band', () => {
  it('puts the 80% and 95% intervals around the mean', () => {
    expect(band(40, { q80: 6, q95: 11 })).toEqual({ mean: 40, lower80: 34, upper80: 46, lower95: 29, upper95: 51 });
  });

  it('clips lower bounds at 0: a count cannot be negative', () => {
    expect(band(3, { q80: 5, q95: 9 })).toEqual({ mean: 3, lower80: 0, upper80: 8, lower95: 0, upper95: 12 });
  });

  it('clips a negative mean to 0', () => {
    const b = band(-4, { q80: 2, q95: 3 });
    expect(b).toEqual({ mean: 0, lower80: 0, upper80: 2, lower95: 0, upper95: 3 });
  });

  it('keeps the 95% interval at least as wide as the 80% one, and ignores negative widths', () => {
    expect(band(20, { q80: 5, q95: 2 })).toEqual({ mean: 20, lower80: 15, upper80: 25, lower95: 15, upper95: 25 });
    expect(band(20, { q80: -5, q95: -1 })).toEqual({ mean: 20, lower80: 20, upper80: 20, lower95: 20, upper95: 20 });
  });

  it('is always ordered and non-negative (random means and widths)', () => {
    const random = mulberry32(7);
    for (let i = 0; i < 2000; i++) {
      const b = band(random() * 60 - 10, { q80: random() * 30 - 5, q95: random() * 40 - 5 });
      expect(ordered(b) && b.lower95 >= 0).toBe(true);
    }
  });
});

describe('roundBand', () => {
  it('rounds to 0.1 vehicle', () => {
    expect(roundBand({ mean: 12.345, lower80: 10.04, upper80: 14.66, lower95: 8.01, upper95: 16.99 })).toEqual({
      mean: 12.3,
      lower80: 10,
      upper80: 14.7,
      lower95: 8,
      upper95: 17,
    });
  });

  it('keeps the order of bands that are ordered, and moves each bound by at most 0.05', () => {
    const random = mulberry32(11);
    for (let i = 0; i < 5000; i++) {
      // Close bounds are the ones rounding could swap.
      const mean = random() * 50;
      const b = band(mean, { q80: random() * 0.3, q95: random() * 0.6 });
      const r = roundBand(b);
      expect({ b, ordered: ordered(r) }).toEqual({ b, ordered: true });
      for (const key of ['mean', 'lower80', 'upper80', 'lower95', 'upper95'] as const) {
        expect(Math.abs(r[key] - b[key])).toBeLessThanOrEqual(0.05 + 1e-9);
        expect(Math.abs(r[key] * 10 - Math.round(r[key] * 10))).toBeLessThan(1e-9);
      }
    }
  });

  it('repairs a band whose bounds cross the mean', () => {
    const r = roundBand({ mean: 10, lower80: 10.4, upper80: 9.6, lower95: 11, upper95: 9 });
    expect(ordered(r)).toBe(true);
    expect(r.mean).toBe(10);
  });
});
