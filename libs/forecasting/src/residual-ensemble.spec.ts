import * as tf from '@tensorflow/tfjs';
import { selectTfBackend } from '@crosscast/runtime';
import { LocalCalendar } from './calendar';
import { ResidualEnsembleForecaster, bestSimplexWeights } from './residual-ensemble';

const START = Date.parse('2006-10-02T00:00:00+10:00');
const DAY = 96;
const calendar = new LocalCalendar('Australia/Melbourne');
const APPROACHES = ['x:1', 'x:3'];

/** Ten days of a daily pattern (busier on weekdays) with deterministic noise. */
function series(days: number): number[][] {
  let seed = 11;
  const noise = () => ((seed = (seed * 48271) % 2147483647) / 2147483647 - 0.5) * 10;
  return Array.from({ length: days * DAY }, (_, t) => {
    const dayIndex = Math.floor(t / DAY);
    const weekday = dayIndex % 7 < 5 ? 1 : 0.6;
    const level = weekday * (80 + 60 * Math.sin((2 * Math.PI * (t % DAY)) / DAY - Math.PI / 2));
    return [Math.max(0, Math.round(level + noise())), Math.max(0, Math.round(level / 2 + noise()))];
  });
}

describe('ResidualEnsembleForecaster', () => {
  const values = series(10);
  let model: ResidualEnsembleForecaster;

  beforeAll(async () => {
    await selectTfBackend('wasm');
    model = await ResidualEnsembleForecaster.train(
      { intervalMinutes: 15, approaches: APPROACHES, firstIntervalStartMs: START, values, isReal: () => true, calendar },
      { epochs: 4 },
    );
  }, 60_000);

  afterAll(() => model?.dispose());

  it('forecasts every approach and the total for each horizon, with ordered bands and the total the sum of approaches', () => {
    const steps = model.forecast(values, values.length - 1, START, calendar);
    expect(steps.map((s) => s.stepsAhead)).toEqual([1, 2, 3, 4]);
    for (const step of steps) {
      expect(step.approaches).toHaveLength(2);
      expect(step.total.mean).toBeCloseTo(step.approaches[0].mean + step.approaches[1].mean, 6);
      for (const b of [step.total, ...step.approaches]) {
        expect(b.lower95).toBeLessThanOrEqual(b.lower80);
        expect(b.lower80).toBeLessThanOrEqual(b.mean);
        expect(b.mean).toBeLessThanOrEqual(b.upper80);
        expect(b.upper80).toBeLessThanOrEqual(b.upper95);
        expect(b.lower95).toBeGreaterThanOrEqual(0);
      }
    }
  });

  it('learns the daily pattern: one-step forecasts on a fresh day are close to the truth', () => {
    const fresh = [...values, ...series(11).slice(10 * DAY)];
    const origins = Array.from({ length: DAY - 1 }, (_, k) => values.length - 1 + k);
    const forecasts = model.forecastMany(fresh, origins, START, calendar);
    const mae = forecasts.reduce((s, steps, k) => s + Math.abs(steps[0].total.mean - (fresh[origins[k] + 1][0] + fresh[origins[k] + 1][1])), 0) / origins.length;
    // Noise is +-5 per approach: an MAE near the noise, far below the pattern's swing of 180.
    expect(mae).toBeLessThan(15);
  });

  it('gives the same forecasts after a serialise / deserialise round trip (the profile is stored to 0.01 vehicle)', async () => {
    const restored = await ResidualEnsembleForecaster.deserialize(JSON.parse(JSON.stringify(await model.serialize())));
    const a = model.forecast(values, values.length - 1, START, calendar);
    const b = restored.forecast(values, values.length - 1, START, calendar);
    b.forEach((step, i) => expect(step.total.mean).toBeCloseTo(a[i].total.mean, 1));
    restored.dispose();
  });

  it('does not leak tensors over 1000 forecasts', () => {
    model.forecast(values, values.length - 1, START, calendar);
    const before = tf.memory().numTensors;
    for (let k = 0; k < 1000; k++) model.forecast(values, values.length - 1 - (k % DAY), START, calendar);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('frees every tensor of a model once a retrained one replaces it', async () => {
    const before = tf.memory().numTensors;
    for (let k = 0; k < 2; k++) {
      const retrained = await ResidualEnsembleForecaster.train(
        { intervalMinutes: 15, approaches: APPROACHES, firstIntervalStartMs: START, values, isReal: () => true, calendar },
        { epochs: 1 },
      );
      retrained.dispose();
    }
    expect(tf.memory().numTensors).toBe(before);
  }, 60_000);

  it('refuses to train on too little history, saying how much it needs', async () => {
    await expect(
      ResidualEnsembleForecaster.train({ intervalMinutes: 15, approaches: APPROACHES, firstIntervalStartMs: START, values: values.slice(0, 150), isReal: () => true, calendar }),
    ).rejects.toThrow(/not enough history to train: 150 intervals/);
  });
});

describe('bestSimplexWeights', () => {
  it('puts all the weight on the member that is right', () => {
    const rows = Array.from({ length: 50 }, (_, i) => ({ target: i, options: [0, i, -i] }));
    expect(bestSimplexWeights(rows)).toEqual([0, 1, 0]);
  });

  it('blends two members that err in opposite directions', () => {
    const rows = Array.from({ length: 50 }, (_, i) => ({ target: i, options: [i + 10, i - 10] }));
    expect(bestSimplexWeights(rows)).toEqual([0.5, 0.5]);
  });
});
