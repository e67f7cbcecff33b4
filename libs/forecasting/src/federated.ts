import * as tf from '@tensorflow/tfjs';
import { conformalQuantile } from './quantiles';
import { TimeOfWeekProfile, slotOfWeek } from './profile';
import {
  DEFAULT_RESIDUAL_ENSEMBLE,
  MEMBERS,
  NOISE_FLOOR,
  ResidualEnsembleForecaster,
  ResidualEnsembleOptions,
  ResidualTrainingInput,
  bestSimplexWeights,
  buildFrame,
  fitSeeded,
  frameInputSize,
  buildMember,
  predictCorrections,
} from './residual-ensemble';
import { intervalsPerDay } from './series';

/**
 * Cold start by federated warm start.
 *
 * A new crossing has a day of its own counts: too little to learn a time-of-week profile
 * (it has never seen a weekend) or to train networks. Other crossings' workers have weeks.
 * Each of them exports the *transferable* part of its model, a FederatedSnapshot:
 *
 * - the three networks' weights. They read and predict deviations from the profile
 *   divided by the approach's own typical count, so they are unit-free and fit any
 *   crossing, whatever its size or number of approaches;
 * - the per-horizon member weights and the normalised conformal interval widths (error
 *   statistics: residual quantiles divided by sqrt(profile + 10), no count);
 * - the crossing's weekly rhythm as a *shape*: its time-of-week profile summed over
 *   approaches and divided by its own mean (mean 1, rounded to 0.001). A shape says "the
 *   Tuesday 8:00 peak is 2.1 times the weekly average", never how many vehicles;
 * - the number of training samples behind it (the FedAvg weight) and the architecture.
 *
 * What never travels: counts, the profile in vehicles, approach scales (typical counts),
 * approach names, validation errors in vehicles, the level ratios. This is data
 * minimisation, not differential privacy: a network's weights are a function of the
 * crossing's history, and nobody has proved they cannot leak anything about it.
 *
 * The city averages the snapshots (FedAvg, McMahan et al. 2017: every parameter weighted
 * by its crossing's training samples). Averaging independently trained networks works here
 * because every worker initialises each member from the same seeded initialiser and
 * learns the same unit-free task; the bench measures it.
 *
 * warmStart() then builds the new crossing's model: its profile is the averaged shape
 * scaled to each approach's own level over its local days, blended slot by slot with the
 * local days themselves (the more local days of that weekday, the more they count); the
 * networks start from the averaged weights and are fine-tuned for a few epochs on the
 * local samples; the member weights and interval widths are the averaged ones. Pure: no
 * I/O, no clock.
 */
export const FEDERATED_FORMAT = 'crosscast-federated/1';

export interface FederatedArchitecture {
  intervalMinutes: number;
  horizons: number;
  lags: number;
  inputSize: number;
  members: Array<{ name: string; hidden: number[] }>;
}

export interface FederatedTensor {
  shape: number[];
  values: number[];
}

export interface FederatedSnapshot {
  format: typeof FEDERATED_FORMAT;
  architecture: FederatedArchitecture;
  /** Complete training samples behind these weights (summed over contributors for an average). */
  samples: number;
  /** Crossings whose models this is (1 for a worker's own snapshot). */
  contributors: number;
  members: Array<{ name: string; tensors: FederatedTensor[] }>;
  /** combination[h][m]: member weights per horizon, m = 0 is the profile alone. */
  combination: number[][];
  /** Normalised interval widths per horizon (residual quantiles / sqrt(profile + 10)). */
  calibration: { q80: number[]; q95: number[]; q80Total: number[]; q95Total: number[] };
  /** Crossing-total time-of-week profile divided by its mean: 7 x intervals per day values, Monday 00:00 first. */
  weekShape: number[];
}

/** Largest absolute weight a snapshot may carry (trained weights are well below 10). */
export const MAX_SNAPSHOT_WEIGHT = 1000;

export class IncompatibleSnapshotError extends Error {}

/** The architecture a model with these options has (what a snapshot must match). */
export function federatedArchitecture(intervalMinutes: number, options: Pick<ResidualEnsembleOptions, 'horizons' | 'lags'> & Partial<Pick<ResidualEnsembleOptions, 'lastWeekFeatures'>>, extraSize = 0): FederatedArchitecture {
  const H = options.horizons;
  return {
    intervalMinutes,
    horizons: H,
    lags: options.lags,
    inputSize: frameInputSize(options, extraSize),
    members: MEMBERS.map((m) => ({ name: m.name, hidden: [...m.hidden] })),
  };
}

const round = (x: number, digits: number) => Number(x.toFixed(digits));
const precise = (x: number) => Number(x.toPrecision(7));

/** The transferable part of a trained model (see the module comment for what travels). */
export function exportSnapshot(model: ResidualEnsembleForecaster, intervalMinutes: number): FederatedSnapshot {
  if (model.trainingSamples <= 0) throw new Error('the model does not know how many samples it was trained on (trained by an older version): retrain it before sharing');
  const table = model.timeOfWeekProfile.toJSON().table;
  const slots = table[0]?.length ?? 0;
  const totals = Array.from({ length: slots }, (_, s) => table.reduce((sum, row) => sum + row[s], 0));
  const mean = totals.reduce((s, x) => s + x, 0) / Math.max(1, slots);
  const calibration = model.calibration;
  return {
    format: FEDERATED_FORMAT,
    architecture: federatedArchitecture(intervalMinutes, model.options),
    samples: model.trainingSamples,
    contributors: 1,
    members: model.memberWeights().map((m) => ({ name: m.name, tensors: m.tensors.map((t) => ({ shape: t.shape, values: Array.from(t.values, precise) })) })),
    combination: model.weights.map((row) => row.map((w) => round(w, 4))),
    calibration: {
      q80: calibration.q80.map(precise),
      q95: calibration.q95.map(precise),
      q80Total: calibration.q80Total.map(precise),
      q95Total: calibration.q95Total.map(precise),
    },
    weekShape: totals.map((x) => (mean > 0 ? round(x / mean, 3) : 1)),
  };
}

/** Expected weight tensor shapes of each member: kernel then bias, layer by layer. */
function expectedShapes(architecture: FederatedArchitecture): number[][][] {
  return architecture.members.map((m) => {
    const sizes = [architecture.inputSize, ...m.hidden, architecture.horizons];
    const shapes: number[][] = [];
    for (let i = 0; i + 1 < sizes.length; i++) shapes.push([sizes[i], sizes[i + 1]], [sizes[i + 1]]);
    return shapes;
  });
}

const sameArchitecture = (a: FederatedArchitecture, b: FederatedArchitecture) =>
  a.intervalMinutes === b.intervalMinutes &&
  a.horizons === b.horizons &&
  a.lags === b.lags &&
  a.inputSize === b.inputSize &&
  a.members.length === b.members.length &&
  a.members.every((m, i) => m.name === b.members[i].name && m.hidden.join(',') === b.members[i].hidden.join(','));

const describeArchitecture = (a: FederatedArchitecture) =>
  `${a.intervalMinutes} min, ${a.horizons} horizons, ${a.lags} lags, ${a.inputSize} inputs, members ${a.members.map((m) => `${m.name}[${m.hidden.join('x')}]`).join(' ')}`;

/**
 * Everything wrong with a snapshot, as messages (empty = usable). Checks the format
 * version, that the architecture is this code's for the expected interval / horizons /
 * lags, every tensor's shape, that every number is finite and bounded, member weights on
 * the simplex, widths non-negative and the week shape the right length with mean 1.
 */
export function snapshotProblems(snapshot: FederatedSnapshot, expected?: FederatedArchitecture): string[] {
  const problems: string[] = [];
  if (snapshot.format !== FEDERATED_FORMAT) return [`format is ${String(snapshot.format)}, this version reads ${FEDERATED_FORMAT}`];
  const arch = snapshot.architecture;
  const ours = federatedArchitecture(arch.intervalMinutes, arch);
  if (!sameArchitecture(arch, ours)) problems.push(`architecture (${describeArchitecture(arch)}) is not this version's (${describeArchitecture(ours)})`);
  if (expected && !sameArchitecture(arch, expected)) problems.push(`architecture (${describeArchitecture(arch)}) does not match this model's (${describeArchitecture(expected)})`);
  if (problems.length) return problems;
  if (!Number.isInteger(snapshot.samples) || snapshot.samples < 1) problems.push('samples must be a positive integer');
  if (!Number.isInteger(snapshot.contributors) || snapshot.contributors < 1) problems.push('contributors must be a positive integer');
  const shapes = expectedShapes(arch);
  if (snapshot.members.length !== shapes.length) problems.push(`${snapshot.members.length} members, expected ${shapes.length}`);
  snapshot.members.slice(0, shapes.length).forEach((member, m) => {
    if (member.name !== arch.members[m].name) problems.push(`member ${m} is ${member.name}, expected ${arch.members[m].name}`);
    if (member.tensors.length !== shapes[m].length) {
      problems.push(`member ${member.name} has ${member.tensors.length} tensors, expected ${shapes[m].length}`);
      return;
    }
    member.tensors.forEach((tensor, i) => {
      if (tensor.shape.join('x') !== shapes[m][i].join('x')) problems.push(`member ${member.name} tensor ${i} has shape [${tensor.shape}], expected [${shapes[m][i]}]`);
      const size = shapes[m][i].reduce((p, x) => p * x, 1);
      if (tensor.values.length !== size) problems.push(`member ${member.name} tensor ${i} has ${tensor.values.length} values, expected ${size}`);
      else if (!tensor.values.every((v) => Number.isFinite(v) && Math.abs(v) <= MAX_SNAPSHOT_WEIGHT)) problems.push(`member ${member.name} tensor ${i} has a value that is not finite or beyond ±${MAX_SNAPSHOT_WEIGHT}`);
    });
  });
  const H = arch.horizons;
  if (snapshot.combination.length !== H) problems.push(`combination has ${snapshot.combination.length} rows, expected ${H}`);
  snapshot.combination.forEach((row, h) => {
    const sum = row.reduce((s, w) => s + w, 0);
    if (row.length !== arch.members.length + 1 || !row.every((w) => Number.isFinite(w) && w >= 0) || Math.abs(sum - 1) > 0.01) {
      problems.push(`combination row ${h} must be ${arch.members.length + 1} non-negative weights summing to 1`);
    }
  });
  for (const key of ['q80', 'q95', 'q80Total', 'q95Total'] as const) {
    const q = snapshot.calibration[key];
    if (q.length !== H || !q.every((x) => Number.isFinite(x) && x >= 0 && x <= MAX_SNAPSHOT_WEIGHT)) problems.push(`calibration.${key} must be ${H} finite non-negative widths`);
  }
  const slots = 7 * intervalsPerDay(arch.intervalMinutes);
  const shape = snapshot.weekShape;
  if (shape.length !== slots) problems.push(`weekShape has ${shape.length} values, expected ${slots}`);
  else if (!shape.every((x) => Number.isFinite(x) && x >= 0 && x <= 100)) problems.push('weekShape values must be finite, between 0 and 100');
  else {
    const mean = shape.reduce((s, x) => s + x, 0) / slots;
    if (Math.abs(mean - 1) > 0.01) problems.push(`weekShape must have mean 1 (it is a shape, not counts), it has ${mean.toFixed(3)}`);
  }
  return problems;
}

/** Throws IncompatibleSnapshotError listing every problem (see snapshotProblems). */
export function assertUsableSnapshot(snapshot: FederatedSnapshot, expected?: FederatedArchitecture): void {
  const problems = snapshotProblems(snapshot, expected);
  if (problems.length) throw new IncompatibleSnapshotError(`unusable federated snapshot: ${problems.join('; ')}`);
}

/**
 * Federated averaging: every parameter, member weight, interval width and week-shape
 * value is the mean over the snapshots weighted by their training samples. All must be
 * usable and share one architecture (else IncompatibleSnapshotError).
 */
export function averageSnapshots(snapshots: FederatedSnapshot[]): FederatedSnapshot {
  if (snapshots.length === 0) throw new Error('nothing to average: no snapshots');
  const arch = snapshots[0].architecture;
  snapshots.forEach((s, i) => {
    const problems = snapshotProblems(s, arch);
    if (problems.length) throw new IncompatibleSnapshotError(`snapshot ${i} cannot be averaged: ${problems.join('; ')}`);
  });
  const total = snapshots.reduce((s, x) => s + x.samples, 0);
  const share = snapshots.map((s) => s.samples / total);
  const mix = (pick: (s: FederatedSnapshot) => number[]): number[] => {
    const out = new Array<number>(pick(snapshots[0]).length).fill(0);
    snapshots.forEach((s, k) => pick(s).forEach((v, i) => (out[i] += share[k] * v)));
    return out;
  };
  const shape = mix((s) => s.weekShape);
  const shapeMean = shape.reduce((s, x) => s + x, 0) / shape.length;
  return {
    format: FEDERATED_FORMAT,
    architecture: arch,
    samples: total,
    contributors: snapshots.reduce((s, x) => s + x.contributors, 0),
    members: snapshots[0].members.map((member, m) => ({
      name: member.name,
      tensors: member.tensors.map((tensor, i) => ({ shape: [...tensor.shape], values: mix((s) => s.members[m].tensors[i].values).map(precise) })),
    })),
    combination: snapshots[0].combination.map((_, h) => {
      const row = mix((s) => s.combination[h]);
      const sum = row.reduce((s, w) => s + w, 0);
      return row.map((w) => round(w / sum, 6));
    }),
    calibration: {
      q80: mix((s) => s.calibration.q80).map(precise),
      q95: mix((s) => s.calibration.q95).map(precise),
      q80Total: mix((s) => s.calibration.q80Total).map(precise),
      q95Total: mix((s) => s.calibration.q95Total).map(precise),
    },
    weekShape: shape.map((x) => round(x / shapeMean, 4)),
  };
}

export interface ColdStartOptions {
  /** Epochs of local fine-tuning of the averaged networks (0 = use them as they are). */
  fineTuneEpochs: number;
  /** Adam's learning rate while fine-tuning (smaller than training from scratch: small steps from a good start). */
  fineTuneLearningRate: number;
  /**
   * How many local days the federated prior counts as, per time-of-week slot: with one
   * local Tuesday, that Tuesday's slots are 60% local and 40% prior (other weekdays 33%
   * local, weekends all prior); each further local day moves the profile towards its own.
   */
  priorDays: number;
}

export const DEFAULT_COLD_START: ColdStartOptions = {
  fineTuneEpochs: 4,
  fineTuneLearningRate: 0.001,
  priorDays: 1,
};

/** Same-day-type days count half as much as the same weekday in the blended profile. */
const SAME_TYPE_WEIGHT = 0.5;

/**
 * The profile of a crossing with little history: per approach, the shared week shape
 * scaled to the approach's level over its local real readings (`priorDays` = 0: the prior
 * alone), blended per slot with the local readings of the same weekday (full weight) and
 * the same day type (half weight), then smoothed like TimeOfWeekProfile at 15 minutes or less.
 */
export function priorProfile(
  input: Pick<ResidualTrainingInput, 'values' | 'isReal' | 'firstIntervalStartMs' | 'intervalMinutes' | 'calendar'>,
  weekShape: number[],
  priorDays: number,
  blendLocal = true,
): TimeOfWeekProfile {
  const { values, isReal, firstIntervalStartMs, intervalMinutes, calendar } = input;
  const perDay = intervalsPerDay(intervalMinutes);
  const slotsPerWeek = 7 * perDay;
  if (weekShape.length !== slotsPerWeek) throw new Error(`week shape has ${weekShape.length} slots, expected ${slotsPerWeek}`);
  const approachCount = values[0]?.length ?? 0;
  const slots = values.map((_, t) => slotOfWeek(calendar, firstIntervalStartMs + t * intervalMinutes * 60_000, intervalMinutes));
  const dayType = (s: number) => {
    const day = Math.floor(s / perDay);
    return day === 5 ? 1 : day === 6 ? 2 : 0;
  };
  const table: number[][] = [];
  for (let a = 0; a < approachCount; a++) {
    let sumValues = 0;
    let sumShape = 0;
    const weekSum = new Float64Array(slotsPerWeek);
    const weekN = new Float64Array(slotsPerWeek);
    const typeSum = new Float64Array(3 * perDay);
    const typeN = new Float64Array(3 * perDay);
    for (let t = 0; t < values.length; t++) {
      if (!isReal(t, a)) continue;
      const s = slots[t];
      const v = values[t][a];
      sumValues += v;
      sumShape += weekShape[s];
      weekSum[s] += v;
      weekN[s]++;
      const ts = dayType(s) * perDay + (s % perDay);
      typeSum[ts] += v;
      typeN[ts]++;
    }
    const level = sumShape > 0 ? sumValues / sumShape : 0;
    const raw = Array.from({ length: slotsPerWeek }, (_, s) => {
      const prior = level * weekShape[s];
      if (!blendLocal) return prior;
      const ts = dayType(s) * perDay + (s % perDay);
      const weight = weekN[s] + SAME_TYPE_WEIGHT * typeN[ts] + priorDays;
      return weight > 0 ? (weekSum[s] + SAME_TYPE_WEIGHT * typeSum[ts] + priorDays * prior) / weight : prior;
    });
    table.push(intervalMinutes > 15 ? raw : raw.map((x, s) => 0.25 * raw[(s - 1 + slotsPerWeek) % slotsPerWeek] + 0.5 * x + 0.25 * raw[(s + 1) % slotsPerWeek]));
  }
  return TimeOfWeekProfile.fromJSON({ intervalMinutes, table });
}

/**
 * A model for a crossing with a day or a few of history, from a federated snapshot
 * (warm start) or, with `snapshot` null, from scratch on the local days alone (the
 * baseline the warm start must beat: local profile, freshly initialised networks, member
 * weights and widths chosen on the newest fifth of the local origins).
 */
export async function coldStart(
  input: ResidualTrainingInput,
  snapshot: FederatedSnapshot | null,
  partial: Partial<ResidualEnsembleOptions> = {},
  cold: Partial<ColdStartOptions> = {},
): Promise<ResidualEnsembleForecaster> {
  const options: ResidualEnsembleOptions = { ...DEFAULT_RESIDUAL_ENSEMBLE, ...partial, level: 'off' };
  const coldOptions = { ...DEFAULT_COLD_START, ...cold };
  const extraSize = input.extraFeatures?.size ?? 0;
  const architecture = federatedArchitecture(input.intervalMinutes, options, extraSize);
  if (snapshot) assertUsableSnapshot(snapshot, architecture);
  const { values, approaches } = input;
  const n = values.length;
  const H = options.horizons;
  const first = Math.max(3, options.lags - 1);
  const lastOrigin = n - 1 - H;
  const minimum = first + H + 1 + 24;
  if (lastOrigin - first < 24) throw new Error(`not enough history for a cold start: ${n} intervals, need at least ${minimum}`);
  const scales = approaches.map((_, a) => {
    let sum = 0;
    let count = 0;
    for (let t = 0; t < n; t++) if (input.isReal(t, a)) (sum += values[t][a]), count++;
    return Math.max(5, count ? sum / count : 0);
  });
  const totalScale = scales.reduce((s, x) => s + x, 0);
  const slots = values.map((_, t) => slotOfWeek(input.calendar, input.firstIntervalStartMs + t * input.intervalMinutes * 60_000, input.intervalMinutes));

  // Warm: the networks learn from deviations against the prior alone (a profile that has
  // not seen these days, as live deviations will be); forecasts use the blended profile.
  // Scratch: the local profile is all there is.
  const deployed = snapshot
    ? priorProfile(input, snapshot.weekShape, coldOptions.priorDays)
    : TimeOfWeekProfile.fit(values, input.isReal, input.firstIntervalStartMs, input.intervalMinutes, input.calendar);
  const trainingProfile = snapshot ? priorProfile(input, snapshot.weekShape, 0, false) : deployed;
  const trainingFrame = buildFrame(input, trainingProfile, slots, scales, totalScale, options);
  const frame = buildFrame(input, deployed, slots, scales, totalScale, options);
  const splitOrigin = snapshot ? lastOrigin : first + Math.floor((lastOrigin - first) * (1 - options.validationShare));
  const training = trainingFrame.samples(first, splitOrigin);
  if (training.count < 20) throw new Error(`not enough real readings for a cold start: ${training.count} complete samples`);

  const members: tf.LayersModel[] = [];
  try {
    for (const [m, spec] of MEMBERS.entries()) {
      const rate = snapshot ? coldOptions.fineTuneLearningRate : options.learningRate;
      const model = buildMember(trainingFrame.inputSize, H, spec, { ...options, learningRate: rate }, options.seed + 17 * m);
      members.push(model);
      if (snapshot) {
        const tensors = snapshot.members[m].tensors.map((t) => tf.tensor(t.values, t.shape));
        model.setWeights(tensors);
        tensors.forEach((t) => t.dispose());
      }
      const epochs = snapshot ? coldOptions.fineTuneEpochs : options.epochs;
      if (epochs > 0) {
        await fitSeeded(model, training.xs, training.ys, training.count, trainingFrame.inputSize, H, epochs, options.batchSize, options.seed + 17 * m + 5);
      }
      model.optimizer.dispose();
    }
  } catch (error) {
    members.forEach((model) => model.dispose());
    throw error;
  }

  // Member weights and widths: the federation's (warm), or chosen on the held-out origins
  // (scratch). validationMae is the crossing-total error on the scored origins (in sample
  // for a warm start: it has no held-out days).
  const scoredOrigins: number[] = [];
  for (let t = snapshot ? first : splitOrigin + 1; t <= lastOrigin; t++) scoredOrigins.push(t);
  const corrections = predictCorrections(members, frame, scoredOrigins, approaches.length, H);
  const weights: number[][] = [];
  const q = { q80: [] as number[], q95: [] as number[], q80Total: [] as number[], q95Total: [] as number[] };
  const validationMae: number[] = [];
  for (let h = 1; h <= H; h++) {
    const rows: Array<{ target: number; base: number; member: number[]; t: number }> = [];
    scoredOrigins.forEach((t, k) => {
      for (let a = 0; a < approaches.length; a++) {
        if (!input.isReal(t + h, a)) continue;
        rows.push({ target: values[t + h][a], base: frame.profileAt(t + h, a), member: corrections.map((c) => c[k][a][h - 1] * scales[a]), t });
      }
    });
    const w = snapshot ? snapshot.combination[h - 1] : bestSimplexWeights(rows.map((r) => ({ target: r.target - r.base, options: [0, ...r.member] })));
    weights.push(w);
    const predict = (r: (typeof rows)[number]) => Math.max(0, r.base + r.member.reduce((s, c, i) => s + w[i + 1] * c, 0));
    const totals = new Map<number, { target: number; base: number; predicted: number; count: number }>();
    for (const r of rows) {
      const entry = totals.get(r.t) ?? { target: 0, base: 0, predicted: 0, count: 0 };
      entry.target += r.target;
      entry.base += r.base;
      entry.predicted += predict(r);
      entry.count++;
      totals.set(r.t, entry);
    }
    const complete = [...totals.values()].filter((e) => e.count === approaches.length);
    validationMae.push(complete.reduce((s, e) => s + Math.abs(e.target - e.predicted), 0) / Math.max(1, complete.length));
    if (snapshot) continue;
    const residuals = rows.map((r) => Math.abs(r.target - predict(r)) / Math.sqrt(r.base + NOISE_FLOOR));
    q.q80.push(conformalQuantile(residuals, 0.8));
    q.q95.push(conformalQuantile(residuals, 0.95));
    const totalResiduals = complete.map((e) => Math.abs(e.target - e.predicted) / Math.sqrt(e.base + NOISE_FLOOR));
    q.q80Total.push(conformalQuantile(totalResiduals, 0.8));
    q.q95Total.push(conformalQuantile(totalResiduals, 0.95));
  }
  const widths = snapshot ? snapshot.calibration : q;
  return ResidualEnsembleForecaster.fromParts(
    {
      kind: 'residual-ensemble',
      intervalMinutes: input.intervalMinutes,
      approaches,
      options,
      scales,
      totalScale,
      weights,
      q80: [...widths.q80],
      q95: [...widths.q95],
      q80Total: [...widths.q80Total],
      q95Total: [...widths.q95Total],
      validationMae,
      trainedOnIntervals: n,
      extraSize,
      useLevel: false,
      trainingSamples: training.count,
      minOrigin: first,
      start: snapshot ? 'federated-warm' : 'scratch-cold',
    },
    deployed,
    members,
  );
}

/** warmStart(input, snapshot) = coldStart with a snapshot (see coldStart). */
export function warmStart(
  input: ResidualTrainingInput,
  snapshot: FederatedSnapshot,
  partial: Partial<ResidualEnsembleOptions> = {},
  cold: Partial<ColdStartOptions> = {},
): Promise<ResidualEnsembleForecaster> {
  return coldStart(input, snapshot, partial, cold);
}

