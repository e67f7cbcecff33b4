import * as tf from '@tensorflow/tfjs';
import { selectTfBackend } from '@crosscast/runtime';
import { LocalCalendar } from './calendar';
import { DEFAULT_RESIDUAL_ENSEMBLE, ResidualEnsembleForecaster, bestSimplexWeights, buildFrame, frameInputSize, trainingEpochs } from './residual-ensemble';
import { TimeOfWeekProfile } from './profile';

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

describe('training is reproducible', () => {
  beforeAll(async () => {
    await selectTfBackend('wasm');
  });

  it('gives the same model for the same data and seed (the shuffle is seeded), another for another seed', async () => {
    const values = series(9);
    const train = (seed: number) =>
      ResidualEnsembleForecaster.train({ intervalMinutes: 15, approaches: APPROACHES, firstIntervalStartMs: START, values, isReal: () => true, calendar }, { epochs: 2, minTrainingSteps: 0, seed });
    const [a, b, c] = [await train(7), await train(7), await train(8)];
    const at = (m: ResidualEnsembleForecaster) => m.forecast(values, values.length - 1, START, calendar).map((s) => s.total.mean);
    expect(at(b)).toEqual(at(a));
    expect(a.memberWeights()).toEqual(b.memberWeights());
    expect(c.memberWeights()).not.toEqual(a.memberWeights());
    [a, b, c].forEach((m) => m.dispose());
  }, 60_000);
});

describe('trainingEpochs', () => {
  it('keeps the given epochs when they already make enough gradient steps', () => {
    expect(trainingEpochs({ epochs: 12, batchSize: 128, minTrainingSteps: 600 }, 8000)).toBe(12);
    expect(trainingEpochs({ epochs: 12, batchSize: 128, minTrainingSteps: 0 }, 100)).toBe(12);
  });

  it('raises them for a small sample: 2,000 hourly samples in batches of 128 are 16 steps an epoch, so 600 steps take 38 epochs', () => {
    expect(trainingEpochs({ epochs: 12, batchSize: 128, minTrainingSteps: 600 }, 2000)).toBe(38);
  });
});

describe('buildFrame last-week inputs', () => {
  const values = series(16);
  const options = { ...DEFAULT_RESIDUAL_ENSEMBLE, lastWeekFeatures: true };
  const input = { intervalMinutes: 15, approaches: APPROACHES, firstIntervalStartMs: START, values, isReal: () => true, calendar };
  const profile = TimeOfWeekProfile.fit(values.slice(0, 8 * DAY), () => true, START, 15, calendar);
  const slots = values.map((_, t) => (Math.floor(t / DAY) % 7) * DAY + (t % DAY));
  const scales = [80, 40];

  it('adds one input per horizon', () => {
    const frame = buildFrame(input, profile, slots, scales, 120, options);
    expect(frame.inputSize).toBe(frameInputSize(options));
    expect(frame.inputSize).toBe(frameInputSize({ ...options, lastWeekFeatures: false }) + options.horizons);
    expect(frame.row(10 * DAY, 0)).toHaveLength(frame.inputSize);
  });

  it('reads the deviation at the target time one week before, known at the origin', () => {
    const frame = buildFrame(input, profile, slots, scales, 120, options);
    const t = 10 * DAY + 30;
    const H = options.horizons;
    const L = options.lags;
    const row = frame.row(t, 1);
    for (let h = 1; h <= H; h++) {
      const lastWeek = t + h - 7 * DAY;
      expect(row[L + 4 + 2 * H + h - 1]).toBeCloseTo((values[lastWeek][1] - profile.at(slots[lastWeek], 1)) / scales[1], 6);
    }
  });

  it('gives 0 where the week before is not in the history', () => {
    const frame = buildFrame(input, profile, slots, scales, 120, options);
    const row = frame.row(3 * DAY, 0);
    const H = options.horizons;
    expect(row.slice(options.lags + 4 + 2 * H, options.lags + 4 + 3 * H)).toEqual(new Array(H).fill(0));
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
