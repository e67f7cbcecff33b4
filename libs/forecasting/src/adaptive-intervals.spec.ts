import { AdaptiveIntervals, PendingForecast } from './adaptive-intervals';
import { mulberry32 } from './synthetic';

/**
 * A forecaster whose errors grow as the street drifts away from what it was calibrated on:
 * its normalised error has scale 1 at first and 2.5 by the end, and it under-forecasts more
 * and more. Widths calibrated on the first days (q80 = 1.28, q95 = 1.96 for a normal
 * error of scale 1) then cover far too little.
 */
function drifting(steps: number, seed = 3) {
  const random = mulberry32(seed);
  const gauss = () => Math.sqrt(-2 * Math.log(Math.max(1e-12, random()))) * Math.cos(2 * Math.PI * random());
  return Array.from({ length: steps }, (_, t) => {
    const scale = 1 + (1.5 * t) / steps;
    const bias = (0.8 * t) / steps;
    return [0, 1, 2].map(() => bias + scale * gauss());
  });
}

function run(errors: number[][], adapt: boolean) {
  const initial = { q80: [1.28], q95: [1.96], q80Total: [2.2], q95Total: [3.4] };
  const tracker = AdaptiveIntervals.start(initial, adapt ? 0.02 : 0);
  const STEP = 900_000;
  let inside80 = 0;
  let inside95 = 0;
  let n = 0;
  errors.forEach((row, t) => {
    const origin = t * STEP;
    // The forecast for t+1: mean 100 on each approach, spread 1 (normalised units).
    tracker.observe(origin, (targetMs) => {
      const k = targetMs / STEP;
      return errors[k].map((e) => 100 + e);
    });
    const w = tracker.widths;
    if (t + 1 < errors.length) {
      for (const e of errors[t + 1]) {
        n++;
        if (Math.abs(e) <= w.q80[0]) inside80++;
        if (Math.abs(e) <= w.q95[0]) inside95++;
      }
      const pending: PendingForecast = { targetMs: origin + STEP, h: 1, means: [100, 100, 100], spreads: [1, 1, 1], totalMean: 300, totalSpread: 1 };
      tracker.record(origin, [pending]);
    }
  });
  return { coverage80: inside80 / n, coverage95: inside95 / n, tracker };
}

describe('AdaptiveIntervals', () => {
  const errors = drifting(4000);

  it('keeps 80% and 95% coverage near nominal while the errors drift, where fixed widths fall short', () => {
    const fixed = run(errors, false);
    expect(fixed.coverage80).toBeLessThan(0.7);
    expect(fixed.coverage95).toBeLessThan(0.87);
    const adaptive = run(errors, true);
    expect(adaptive.coverage80).toBeGreaterThan(0.77);
    expect(adaptive.coverage80).toBeLessThan(0.83);
    expect(adaptive.coverage95).toBeGreaterThan(0.92);
    expect(adaptive.coverage95).toBeLessThan(0.97);
    // It widened to follow the drift, and counted what it scored.
    expect(adaptive.tracker.widths.q80[0]).toBeGreaterThan(2);
    expect(adaptive.tracker.coverage.scored[0]).toBe(3 * 3999);
  });

  it('records one forecast per origin, scores only real readings, and keeps the 95% band at least as wide as the 80% one', () => {
    const tracker = AdaptiveIntervals.start({ q80: [1], q95: [1.01], q80Total: [1], q95Total: [1.01] }, 0.5);
    const pending = (origin: number): PendingForecast[] => [{ targetMs: origin + 1, h: 1, means: [10, 10], spreads: [1, 1], totalMean: 20, totalSpread: 1 }];
    tracker.record(0, pending(0));
    tracker.record(0, pending(0)); // the same origin again (a second forecast of the same data)
    tracker.observe(1, () => [10, null]); // inside; the second approach was not a real reading
    expect(tracker.coverage.scored).toEqual([1]);
    for (let t = 1; t < 20; t++) {
      tracker.record(t, pending(t));
      tracker.observe(t + 1, () => [10.1, 10]); // inside both: both bands shrink
    }
    expect(tracker.widths.q95[0]).toBeGreaterThanOrEqual(tracker.widths.q80[0]);
    expect(tracker.widths.q80[0]).toBeLessThan(1);
    const copy = AdaptiveIntervals.fromJSON(tracker.toJSON());
    expect(copy.widths).toEqual(tracker.widths);
  });
});
