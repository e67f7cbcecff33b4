import * as tf from '@tensorflow/tfjs';
import { selectTfBackend } from '@crosscast/runtime';
import { LocalCalendar } from './calendar';
import {
  FEDERATED_FORMAT,
  FederatedSnapshot,
  IncompatibleSnapshotError,
  averageSnapshots,
  coldStart,
  exportSnapshot,
  federatedArchitecture,
  priorProfile,
  snapshotProblems,
  warmStart,
} from './federated';
import { ResidualEnsembleForecaster, ResidualTrainingInput } from './residual-ensemble';

const START = Date.parse('2006-10-02T00:00:00+10:00'); // a Monday
const DAY = 96;
const calendar = new LocalCalendar('Australia/Melbourne');
const APPROACHES = ['x:1', 'x:3'];

/** Days of a daily pattern, weekends at 40% of weekdays, scaled by `size`, with deterministic noise. */
function series(days: number, size: number, seed = 11): number[][] {
  const noise = () => ((seed = (seed * 48271) % 2147483647) / 2147483647 - 0.5) * 6;
  return Array.from({ length: days * DAY }, (_, t) => {
    const dayIndex = Math.floor(t / DAY);
    const weekday = dayIndex % 7 < 5 ? 1 : 0.4;
    const level = size * weekday * (60 + 50 * Math.sin((2 * Math.PI * (t % DAY)) / DAY - Math.PI / 2));
    return [Math.max(0, Math.round(level + noise())), Math.max(0, Math.round(level / 2 + noise()))];
  });
}

const input = (values: number[][]): ResidualTrainingInput => ({ intervalMinutes: 15, approaches: APPROACHES, firstIntervalStartMs: START, values, isReal: () => true, calendar });

/** A valid snapshot whose every network weight is `fill` (for the averaging arithmetic). */
function filledSnapshot(fill: number, samples: number, horizons = 4): FederatedSnapshot {
  const architecture = federatedArchitecture(15, { horizons, lags: 8 });
  return {
    format: FEDERATED_FORMAT,
    architecture,
    samples,
    contributors: 1,
    members: architecture.members.map((m) => {
      const sizes = [architecture.inputSize, ...m.hidden, horizons];
      const tensors = [];
      for (let i = 0; i + 1 < sizes.length; i++) {
        tensors.push({ shape: [sizes[i], sizes[i + 1]], values: new Array(sizes[i] * sizes[i + 1]).fill(fill) });
        tensors.push({ shape: [sizes[i + 1]], values: new Array(sizes[i + 1]).fill(fill) });
      }
      return { name: m.name, tensors };
    }),
    combination: Array.from({ length: horizons }, () => (fill > 0 ? [0, 1, 0, 0] : [1, 0, 0, 0])),
    calibration: { q80: new Array(horizons).fill(fill), q95: new Array(horizons).fill(2 * fill), q80Total: new Array(horizons).fill(fill), q95Total: new Array(horizons).fill(2 * fill) },
    weekShape: Array.from({ length: 7 * DAY }, (_, s) => (s % 2 === 0 ? 1 + fill / 10 : 1 - fill / 10)),
  };
}

describe('averageSnapshots (FedAvg)', () => {
  it('weights every parameter by the training samples behind it', () => {
    const average = averageSnapshots([filledSnapshot(0, 100), filledSnapshot(4, 300)]);
    // 0.25 * 0 + 0.75 * 4 = 3
    for (const member of average.members) for (const tensor of member.tensors) expect(new Set(tensor.values)).toEqual(new Set([3]));
    expect(average.samples).toBe(400);
    expect(average.contributors).toBe(2);
    expect(average.combination[0]).toEqual([0.25, 0.75, 0, 0]);
    expect(average.calibration.q95).toEqual([6, 6, 6, 6]);
    expect(average.weekShape.slice(0, 2)).toEqual([1.3, 0.7]);
    expect(snapshotProblems(average)).toEqual([]);
  });

  it('refuses to average snapshots of different architectures, naming the difference', () => {
    expect(() => averageSnapshots([filledSnapshot(1, 10), filledSnapshot(1, 10, 2)])).toThrow(IncompatibleSnapshotError);
    expect(() => averageSnapshots([filledSnapshot(1, 10), filledSnapshot(1, 10, 2)])).toThrow(/snapshot 1 cannot be averaged: architecture \(15 min, 2 horizons.*does not match.*4 horizons/);
  });

  it('refuses a snapshot with a non-finite weight instead of averaging it', () => {
    const bad = filledSnapshot(1, 10);
    bad.members[1].tensors[0].values[5] = Number.NaN;
    expect(() => averageSnapshots([filledSnapshot(1, 10), bad])).toThrow(/member mlp-a tensor 0 has a value that is not finite/);
  });
});

describe('snapshotProblems', () => {
  it('accepts a valid snapshot and lists every defect of a bad one', () => {
    expect(snapshotProblems(filledSnapshot(1, 10))).toEqual([]);
    const bad = filledSnapshot(1, 10);
    bad.members[0].tensors[0] = { shape: [3, 4], values: new Array(12).fill(0) };
    bad.combination[2] = [0.5, 0.6, 0, 0];
    bad.weekShape = bad.weekShape.map((x) => x * 120);
    bad.samples = 0;
    const problems = snapshotProblems(bad);
    expect(problems).toEqual(
      expect.arrayContaining([
        'samples must be a positive integer',
        'member linear tensor 0 has shape [3,4], expected [24,4]',
        'combination row 2 must be 4 non-negative weights summing to 1',
        'weekShape values must be finite, between 0 and 100',
      ]),
    );
  });

  it('refuses another format version, and an architecture this code does not build', () => {
    expect(snapshotProblems({ ...filledSnapshot(1, 10), format: 'crosscast-federated/0' as typeof FEDERATED_FORMAT })).toEqual([
      `format is crosscast-federated/0, this version reads ${FEDERATED_FORMAT}`,
    ]);
    const other = filledSnapshot(1, 10);
    other.architecture = { ...other.architecture, members: [{ name: 'linear', hidden: [] }, { name: 'mlp-a', hidden: [64] }, { name: 'mlp-b', hidden: [24, 12] }] };
    expect(snapshotProblems(other)[0]).toMatch(/is not this version's/);
  });

  it('refuses a week shape in counts rather than a shape (mean not 1)', () => {
    const counts = filledSnapshot(1, 10);
    counts.weekShape = counts.weekShape.map((x) => x * 3);
    expect(snapshotProblems(counts)).toEqual(['weekShape must have mean 1 (it is a shape, not counts), it has 3.000']);
  });
});

describe('priorProfile', () => {
  const shape = Array.from({ length: 7 * DAY }, (_, s) => (Math.floor(s / DAY) < 5 ? 1.2 : 0.5));
  const oneMonday = Array.from({ length: DAY }, () => [24, 12]);

  it('scales the shared shape to the local level when the prior stands alone', () => {
    const profile = priorProfile({ values: oneMonday, isReal: () => true, firstIntervalStartMs: START, intervalMinutes: 15, calendar }, shape, 0, false);
    // Level of approach 0: 24 / 1.2 = 20 -> weekdays 24, weekends 10 (smoothing keeps flat runs flat).
    expect(profile.at(DAY + 40, 0)).toBeCloseTo(24, 6);
    expect(profile.at(5 * DAY + 40, 0)).toBeCloseTo(10, 6);
    expect(profile.at(5 * DAY + 40, 1)).toBeCloseTo(5, 6);
  });

  it('blends local days with the prior: the same weekday counts fully, the same day type half', () => {
    const values = Array.from({ length: DAY }, (_, t) => [t >= 40 && t < 44 ? 60 : 24, 12]);
    const profile = priorProfile({ values, isReal: () => true, firstIntervalStartMs: START, intervalMinutes: 15, calendar }, shape, 1, true);
    const level = (24 * 92 + 60 * 4) / (1.2 * DAY);
    // Monday 10:30: (60 + 0.5 * 60 + 1 * level * 1.2) / 2.5; Tuesday: (0.5 * 60 + level * 1.2) / 1.5.
    expect(profile.at(41, 0)).toBeCloseTo((90 + level * 1.2) / 2.5, 6);
    expect(profile.at(DAY + 41, 0)).toBeCloseTo((30 + level * 1.2) / 1.5, 6);
  });
});

describe('federated warm start', () => {
  const donors: ResidualEnsembleForecaster[] = [];
  let average: FederatedSnapshot;
  const newCrossing = series(7, 2, 99);
  const oneDay = newCrossing.slice(0, DAY);

  beforeAll(async () => {
    await selectTfBackend('wasm');
    for (const [size, seed] of [
      [1, 11],
      [3, 23],
    ]) {
      donors.push(await ResidualEnsembleForecaster.train(input(series(14, size, seed)), { epochs: 4 }));
    }
    average = averageSnapshots(donors.map((d) => exportSnapshot(d, 15)));
  }, 120_000);

  afterAll(() => donors.forEach((d) => d.dispose()));

  it('exports weights, error statistics and a unit-free week shape, never counts', () => {
    const snapshot = exportSnapshot(donors[1], 15);
    expect(snapshotProblems(snapshot)).toEqual([]);
    expect(snapshot.samples).toBe(donors[1].trainingSamples);
    const mean = snapshot.weekShape.reduce((s, x) => s + x, 0) / snapshot.weekShape.length;
    expect(mean).toBeCloseTo(1, 2);
    // Weekends are 40% of weekdays in the donor's counts, whatever its size.
    const monday = snapshot.weekShape.slice(0, DAY).reduce((s, x) => s + x, 0);
    const saturday = snapshot.weekShape.slice(5 * DAY, 6 * DAY).reduce((s, x) => s + x, 0);
    expect(saturday / monday).toBeGreaterThan(0.3);
    expect(saturday / monday).toBeLessThan(0.5);
    expect(Object.keys(snapshot).sort()).toEqual(['architecture', 'calibration', 'combination', 'contributors', 'format', 'members', 'samples', 'weekShape']);
  });

  it('starts from the averaged networks: without fine-tuning its weights are the snapshot\'s', async () => {
    const model = await warmStart(input(oneDay), average, {}, { fineTuneEpochs: 0 });
    try {
      const weights = model.memberWeights();
      average.members.forEach((member, m) =>
        member.tensors.forEach((tensor, i) => tensor.values.forEach((v, k) => expect(weights[m].tensors[i].values[k]).toBeCloseTo(v, 5))),
      );
      expect(model.weights).toEqual(average.combination);
      expect(model.start).toBe('federated-warm');
    } finally {
      model.dispose();
    }
  }, 60_000);

  it('beats a model trained from scratch on the same single day over the following six days (weekend included)', async () => {
    const before = tf.memory().numTensors;
    const warm = await warmStart(input(oneDay), average);
    const scratch = await coldStart(input(oneDay), null);
    const origins = Array.from({ length: 6 * DAY - 1 }, (_, k) => DAY - 1 + k);
    const mae = (model: ResidualEnsembleForecaster) => {
      const forecasts = model.forecastMany(newCrossing, origins, START, calendar);
      return forecasts.reduce((s, steps, k) => s + Math.abs(steps[0].total.mean - (newCrossing[origins[k] + 1][0] + newCrossing[origins[k] + 1][1])), 0) / origins.length;
    };
    const warmMae = mae(warm);
    const scratchMae = mae(scratch);
    expect(scratch.start).toBe('scratch-cold');
    expect(warmMae).toBeLessThan(0.8 * scratchMae);
    warm.dispose();
    scratch.dispose();
    expect(tf.memory().numTensors).toBe(before);
  }, 60_000);

  it('refuses a snapshot of another architecture with a clear error, before training anything', async () => {
    const other = averageSnapshots([filledSnapshot(0.01, 10, 2)]);
    await expect(warmStart(input(oneDay), other)).rejects.toThrow(IncompatibleSnapshotError);
    await expect(warmStart(input(oneDay), other)).rejects.toThrow(/architecture \(15 min, 2 horizons.*does not match this model's \(15 min, 4 horizons/);
  });

  it('refuses a cold start on a few hours of history, saying how much it needs', async () => {
    await expect(warmStart(input(oneDay.slice(0, 30)), average)).rejects.toThrow(/not enough history for a cold start: 30 intervals, need at least 36/);
  });
});
