import { Band } from './bands';
import { SeasonalNaiveForecaster } from './seasonal-naive';
import { mulberry32 } from '../../../test/support/prng';

const DAY = 96; // 15-minute intervals

/** Two approaches with a daily pattern plus noise; the second is quiet at night (near 0). */
function history(days: number, noise: number, seed = 3): number[][] {
  const random = mulberry32(seed);
  return Array.from({ length: days * DAY }, (_, t) => {
    const phase = (2 * Math.PI * (t % DAY)) / DAY;
    return [
      Math.max(0, Math.round(60 + 40 * Math.sin(phase) + noise * (random() - 0.5))),
      Math.max(0, Math.round(8 - 8 * Math.cos(phase) + noise * (random() - 0.5))),
    ];
  });
}

function ordered(b: Band): boolean {
  return 0 <= b.lower95 && b.lower95 <= b.lower80 && b.lower80 <= b.mean && b.mean <= b.upper80 && b.upper80 <= b.upper95;
}

describe('SeasonalNaiveForecaster', () => {
  it('forecasts the same time yesterday for every approach and horizon', () => {
    const h = history(3, 10);
    const model = new SeasonalNaiveForecaster(15, 4, h);
    const index = h.length - 1;
    const steps = model.forecast(h, index);
    expect(steps.map((s) => s.stepsAhead)).toEqual([1, 2, 3, 4]);
    steps.forEach((step, k) => {
      const yesterday = h[index + step.stepsAhead - DAY];
      expect(step.approaches.map((b) => b.mean)).toEqual(yesterday);
      expect(step.total.mean).toBe(yesterday[0] + yesterday[1]);
      expect(step.approaches).toHaveLength(2);
      expect(k + 1).toBe(step.stepsAhead);
    });
  });

  it('forecasts the last value when there is no yesterday yet', () => {
    const h = history(1, 10).slice(0, 40);
    const model = new SeasonalNaiveForecaster(15, 4, h);
    for (const step of model.forecast(h, 39)) {
      expect(step.approaches.map((b) => b.mean)).toEqual(h[39]);
      expect(step.total.mean).toBe(h[39][0] + h[39][1]);
    }
  });

  it('switches per step from the last value to yesterday at the one-day boundary', () => {
    const h = history(2, 10);
    const model = new SeasonalNaiveForecaster(15, 4, h);
    const index = DAY - 3; // steps 1 and 2 have no yesterday, steps 3 and 4 do
    const means = model.forecast(h, index).map((s) => s.approaches.map((b) => b.mean));
    expect(means).toEqual([h[index], h[index], h[0], h[1]]);
  });

  it('has zero-width intervals on a week of history that repeats exactly every day', () => {
    // Its errors come from the last 7 days; with 8 days, every one of them had a yesterday.
    const h = history(8, 0);
    const model = new SeasonalNaiveForecaster(15, 2, h);
    for (const step of model.forecast(h, h.length - 1)) {
      for (const b of [step.total, ...step.approaches]) {
        expect(b.upper95).toBe(b.mean);
        expect(b.lower95).toBe(b.mean);
      }
    }
  });

  it('learns its interval widths from its own errors: a noisier crossing gets wider bands', () => {
    const widthOf = (noise: number) => {
      const h = history(4, noise);
      const [step] = new SeasonalNaiveForecaster(15, 1, h).forecast(h, h.length - 1);
      return { approach: step.approaches[0].upper80 - step.approaches[0].mean, total: step.total.upper80 - step.total.mean };
    };
    const quiet = widthOf(4);
    const noisy = widthOf(40);
    expect(quiet.approach).toBeGreaterThan(0);
    expect(noisy.approach).toBeGreaterThan(3 * quiet.approach);
    expect(quiet.total).toBeGreaterThan(0);
    expect(noisy.total).toBeGreaterThan(3 * quiet.total);
  });

  it('sizes the total band from errors of the total: approaches that trade traffic give a narrow total', () => {
    // Whatever one approach loses the other gains: each approach is noisy, the total is always 100.
    const random = mulberry32(5);
    const h = Array.from({ length: 3 * DAY }, () => {
      const shift = Math.round(30 * (random() - 0.5));
      return [50 + shift, 50 - shift];
    });
    const [step] = new SeasonalNaiveForecaster(15, 1, h).forecast(h, h.length - 1);
    expect(step.approaches[0].upper80 - step.approaches[0].mean).toBeGreaterThan(5);
    expect(step.total.mean).toBe(100);
    expect(step.total.upper95).toBe(100);
    expect(step.total.lower95).toBe(100);
  });

  it('forgets errors older than a week: a bad first day does not widen the bands for ever', () => {
    const h = history(9, 0);
    for (let t = 0; t < DAY; t++) h[t] = [h[t][0] + (t % 2) * 50, h[t][1]]; // a faulty first day
    const [step] = new SeasonalNaiveForecaster(15, 1, h).forecast(h, h.length - 1);
    expect(step.approaches[0].upper95).toBe(step.approaches[0].mean);
    const [early] = new SeasonalNaiveForecaster(15, 1, h.slice(0, 3 * DAY)).forecast(h, 3 * DAY - 1);
    expect(early.approaches[0].upper80).toBeGreaterThan(early.approaches[0].mean + 10);
  });

  it('gives non-negative, ordered intervals at every index, including quiet nights', () => {
    const h = history(3, 30, 9);
    const model = new SeasonalNaiveForecaster(15, 4, h);
    let clipped = 0;
    for (let index = 0; index < h.length - 4; index += 5) {
      for (const step of model.forecast(h, index)) {
        for (const b of [step.total, ...step.approaches]) {
          if (!ordered(b)) throw new Error(`unordered band at index ${index}: ${JSON.stringify(b)}`);
          if (b.lower95 === 0) clipped++;
        }
      }
    }
    expect(clipped).toBeGreaterThan(0); // the night-time approach really did hit the floor
  });
});
