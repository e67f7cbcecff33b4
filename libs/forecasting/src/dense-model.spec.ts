import * as tf from '@tensorflow/tfjs';
import { selectTfBackend } from '@crosscast/runtime';
import { Band } from './bands';
import { LocalCalendar } from './calendar';
import { DenseForecaster } from './dense-model';

// Backend: WASM, as the worker picks where tfjs-node is absent. It runs under jest.
jest.setTimeout(60_000);

const DAY = 96; // 15-minute intervals
const START = Date.parse('2006-10-01T00:00:00+10:00');
const calendar = new LocalCalendar('Australia/Melbourne');
const APPROACHES = ['0970:1', '0970:3'];

/** A daily sine: a busy arterial (30..130) and a side street that is empty half the day. */
function sineSeries(days: number): number[][] {
  return Array.from({ length: days * DAY }, (_, t) => {
    const phase = (2 * Math.PI * (t % DAY)) / DAY;
    return [80 + 50 * Math.sin(phase), Math.max(0, 25 * Math.sin(phase - 1))];
  });
}

function ordered(b: Band): boolean {
  return 0 <= b.lower95 && b.lower95 <= b.lower80 && b.lower80 <= b.mean && b.mean <= b.upper80 && b.upper80 <= b.upper95;
}

describe('DenseForecaster', () => {
  const values = sineSeries(8);
  let model: DenseForecaster;

  beforeAll(async () => {
    expect(await selectTfBackend('wasm')).toBe('wasm');
    model = await DenseForecaster.train({ intervalMinutes: 15, approaches: APPROACHES, firstIntervalStartMs: START, values, calendar }, { epochs: 15 });
  });

  afterAll(() => model?.dispose());

  it('forecasts 4 steps for each of the 2 approaches, the total being their sum', () => {
    const steps = model.forecast(values, values.length - 1, START, calendar);
    expect(steps.map((s) => s.stepsAhead)).toEqual([1, 2, 3, 4]);
    for (const step of steps) {
      expect(step.approaches).toHaveLength(2);
      const sum = step.approaches[0].mean + step.approaches[1].mean;
      expect(step.total.mean).toBeCloseTo(sum, 6);
      for (const b of [step.total, ...step.approaches]) for (const v of Object.values(b)) expect(Number.isFinite(v)).toBe(true);
    }
    expect(model.widths).toHaveLength(4);
    expect(model.validationMae).toHaveLength(4);
    expect(model.trainedOnIntervals).toBe(values.length);
  });

  it('uses the interval widths learned for each horizon', () => {
    const [first, , , last] = model.forecast(values, values.length - 1, START, calendar);
    const halfWidth = (b: Band) => b.upper80 - b.mean;
    expect(halfWidth(first.approaches[0])).toBeCloseTo(model.widths[0].approaches[0].q80, 9);
    expect(halfWidth(last.approaches[0])).toBeCloseTo(model.widths[3].approaches[0].q80, 9);
    expect(halfWidth(last.total)).toBeCloseTo(model.widths[3].total.q80, 9);
    expect(last.total.upper95 - last.total.mean).toBeCloseTo(model.widths[3].total.q95, 9);
    expect(model.widths[3].total.q80).not.toBeCloseTo(model.widths[0].total.q80, 9);
  });

  it('gives ordered, non-negative bands at every time of day', () => {
    for (let index = values.length - DAY; index < values.length; index += 3) {
      for (const step of model.forecast(values, index, START, calendar)) {
        for (const b of [step.total, ...step.approaches]) {
          if (!ordered(b)) throw new Error(`unordered band at index ${index}: ${JSON.stringify(b)}`);
        }
      }
    }
  });

  it('learns the daily pattern: its next-interval forecasts beat "same as now"', () => {
    // Over the last day, compare one-step errors with the naive last-value forecast.
    let modelError = 0;
    let naiveError = 0;
    for (let index = values.length - DAY; index < values.length - 1; index++) {
      const [step] = model.forecast(values, index, START, calendar);
      const actual = values[index + 1][0] + values[index + 1][1];
      modelError += Math.abs(step.total.mean - actual);
      naiveError += Math.abs(values[index][0] + values[index][1] - actual);
    }
    expect(modelError).toBeLessThan(naiveError);
  });

  it('forecasts exactly the same after serialize -> JSON -> deserialize', async () => {
    const serialized = await model.serialize();
    expect(serialized.kind).toBe('dense-mlp');
    const restored = await DenseForecaster.deserialize(JSON.parse(JSON.stringify(serialized)));
    try {
      for (const index of [DAY, 3 * DAY + 17, values.length - 1]) {
        expect(restored.forecast(values, index, START, calendar)).toEqual(model.forecast(values, index, START, calendar));
      }
      expect(restored.spec).toEqual(model.spec);
      expect(restored.widths).toEqual(model.widths);
    } finally {
      restored.dispose();
    }
  });

  it('refuses to forecast before it has a day of history to look back on', () => {
    expect(() => model.forecast(values, 10, START, calendar)).toThrow(/history too short/);
  });

  it('refuses to train on too little history, saying how much it has', async () => {
    // A sample needs a day of look-back (index 95 on) and 4 intervals ahead: 118 intervals give 19.
    const short = sineSeries(2).slice(0, 118);
    expect(DenseForecaster.sampleCount({ intervalMinutes: 15, values: short }, { horizons: 4, lags: 8 })).toBe(19);
    await expect(
      DenseForecaster.train({ intervalMinutes: 15, approaches: APPROACHES, firstIntervalStartMs: START, values: short, calendar }, { epochs: 1 }),
    ).rejects.toThrow(/not enough history to train: 118 intervals give 19 samples, need 20/);
    await expect(
      DenseForecaster.train({ intervalMinutes: 15, approaches: APPROACHES, firstIntervalStartMs: START, values: [], calendar }, { epochs: 1 }),
    ).rejects.toThrow(/not enough history to train: 0 intervals give 0 samples/);
  });

  it('trains on exactly 20 samples', async () => {
    const justEnough = sineSeries(2).slice(0, 119);
    const small = await DenseForecaster.train({ intervalMinutes: 15, approaches: APPROACHES, firstIntervalStartMs: START, values: justEnough, calendar }, { epochs: 1 });
    try {
      expect(small.forecast(justEnough, 118, START, calendar)).toHaveLength(4);
    } finally {
      small.dispose();
    }
  });

  it('does not leak tensors over 1000 forecasts', () => {
    model.forecast(values, values.length - 1, START, calendar); // warm up
    const before = tf.memory().numTensors;
    for (let k = 0; k < 1000; k++) model.forecast(values, values.length - 1 - (k % DAY), START, calendar);
    expect(tf.memory().numTensors).toBe(before);
  });

  // Regression: an Optimizer instance handed to compile() is not freed by
  // LayersModel.dispose(), so each retraining leaked Adam's state (10 tensors).
  it('frees every tensor of a model once a retrained one replaces it', async () => {
    const before = tf.memory().numTensors;
    for (let retrain = 0; retrain < 3; retrain++) {
      const retrained = await DenseForecaster.train({ intervalMinutes: 15, approaches: APPROACHES, firstIntervalStartMs: START, values, calendar }, { epochs: 1 });
      retrained.dispose();
    }
    expect(tf.memory().numTensors).toBe(before);
  });
});
