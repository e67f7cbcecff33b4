import * as tf from '@tensorflow/tfjs';
import { AdaptiveIntervals, PendingForecast } from './adaptive-intervals';
import { Band, StepForecast, band } from './bands';
import { LocalCalendar } from './calendar';
import { TimeOfWeekProfile, slotOfWeek } from './profile';
import { conformalQuantile } from './quantiles';
import { intervalsPerDay } from './series';
import { mulberry32 } from './synthetic';

/**
 * The crossing's model: the time-of-week profile plus learned corrections.
 *
 *   forecast(t+h) = profile(t+h) + correction_h
 *
 * The corrections come from an ensemble of small TensorFlow.js networks trained with
 * squared-error loss and Adam on the crossing's own history: a linear model and two
 * multi-layer perceptrons, all reading the recent deviations from the profile (per
 * approach and for the crossing), the profile ahead, yesterday's deviations at the target
 * times, time of day and weekend flags. One network serves all approaches of the crossing
 * (samples are per approach, scaled by the approach's typical count), so a crossing has
 * several thousand samples a month even with four detectors.
 *
 * The members' outputs are combined per horizon with non-negative weights summing to 1,
 * chosen on the newest held-out days (the "profile only" member, zero correction, is one
 * of them). Prediction intervals are split-conformal on the same held-out days, with
 * residuals normalised by sqrt(profile + 10) so intervals are wider at the peaks than at
 * night; given an AdaptiveIntervals tracker, forecastMany adapts them online to the
 * intervals' own recent misses (adaptive conformal inference), so they hold under drift.
 *
 * Level: a street that grows or shifts leaves a time-of-week profile behind. The profile
 * is multiplied by a level ratio per approach, known at the forecast origin: the real
 * counts of the last `levelWindowDays` before it over what the profile expected for them
 * (shrunk towards 1 by half a day's worth of counts). Whether the level is used is chosen
 * on the held-out days (it must lower their profile error by 1%), so a steady city such as
 * Boroondara keeps the plain profile unless the level helps it too.
 */
export interface ResidualEnsembleOptions {
  horizons: number;
  lags: number;
  epochs: number;
  batchSize: number;
  learningRate: number;
  /** Share of the newest training days held out to weigh the members and size the intervals. */
  validationShare: number;
  hiddenUnits: number;
  l2: number;
  seed: number;
  /** 'auto': use the level ratio when it lowers the held-out error; 'on' / 'off' force it. */
  level: 'auto' | 'on' | 'off';
  /** Days of history the level ratio is measured over. */
  levelWindowDays: number;
  /**
   * Fewest gradient steps (batches) a network is trained for: epochs are raised to reach
   * it when the crossing has few samples (hourly data has a quarter of 15-minute data's),
   * so a coarse interval does not leave the networks under-trained (600: on the validation
   * split of Boroondara, train 1-17 Oct 2006, score 18-24 Oct, hourly MAE 0.3-0.7 % lower,
   * 15-minute unchanged). 0 = `epochs` as given.
   */
  minTrainingSteps: number;
  /** Also read the deviations at the targets' local time one week earlier (H more inputs). */
  lastWeekFeatures: boolean;
}

export const DEFAULT_RESIDUAL_ENSEMBLE: ResidualEnsembleOptions = {
  horizons: 4,
  lags: 8,
  epochs: 12,
  batchSize: 128,
  learningRate: 0.005,
  validationShare: 0.2,
  hiddenUnits: 32,
  l2: 0.0005,
  seed: 7,
  level: 'auto',
  levelWindowDays: 7,
  minTrainingSteps: 600,
  lastWeekFeatures: false,
};

/** Inputs of one feature row (see buildFrame). */
export function frameInputSize(options: Pick<ResidualEnsembleOptions, 'horizons' | 'lags'> & Partial<Pick<ResidualEnsembleOptions, 'lastWeekFeatures'>>, extraSize = 0): number {
  const H = options.horizons;
  return options.lags + 4 + H + H + (options.lastWeekFeatures ? H : 0) + 2 + 2 + extraSize;
}

/** Epochs that give at least `minTrainingSteps` batches over `samples` samples (never fewer than `epochs`). */
export function trainingEpochs(options: Pick<ResidualEnsembleOptions, 'epochs' | 'batchSize'> & Partial<Pick<ResidualEnsembleOptions, 'minTrainingSteps'>>, samples: number): number {
  const perEpoch = Math.max(1, Math.ceil(samples / options.batchSize));
  return Math.max(options.epochs, Math.ceil((options.minTrainingSteps ?? 0) / perEpoch));
}

/**
 * Trains a network for `epochs` passes in a seeded random order (the same data and seed
 * give the same model: tf's own shuffling draws from Math.random).
 */
export async function fitSeeded(model: tf.LayersModel, xs: Float32Array, ys: Float32Array, count: number, inputSize: number, outputs: number, epochs: number, batchSize: number, seed: number): Promise<void> {
  const random = mulberry32(seed);
  const x = tf.tensor2d(xs, [count, inputSize]);
  const y = tf.tensor2d(ys, [count, outputs]);
  const order = Int32Array.from({ length: count }, (_, i) => i);
  try {
    for (let e = 0; e < epochs; e++) {
      // Fisher-Yates with the seeded generator.
      for (let i = count - 1; i > 0; i--) {
        const j = Math.floor(random() * (i + 1));
        const swap = order[i];
        order[i] = order[j];
        order[j] = swap;
      }
      const index = tf.tensor1d(order, 'int32');
      const xe = tf.gather(x, index);
      const ye = tf.gather(y, index);
      try {
        await model.fit(xe, ye, { epochs: 1, batchSize, shuffle: false, verbose: 0, yieldEvery: 'batch' });
      } finally {
        index.dispose();
        xe.dispose();
        ye.dispose();
      }
    }
  } finally {
    x.dispose();
    y.dispose();
  }
}

/** Extra inputs of approach a at origin t (the central reference's neighbours). */
export type ExtraFeatures = (t: number, a: number) => number[];

export interface ResidualTrainingInput {
  intervalMinutes: number;
  approaches: string[];
  firstIntervalStartMs: number;
  /** Cleaned values (no nulls). */
  values: number[][];
  /** Whether values[t][a] is a real reading (only real cells are training targets). */
  isReal: (t: number, a: number) => boolean;
  calendar: LocalCalendar;
  extraFeatures?: { size: number; at: ExtraFeatures };
}

export interface MemberSpec {
  name: string;
  hidden: number[];
}

/** The ensemble's networks (exported for federated warm start, see federated.ts). */
export const MEMBERS: readonly MemberSpec[] = [
  { name: 'linear', hidden: [] },
  { name: 'mlp-a', hidden: [32] },
  { name: 'mlp-b', hidden: [24, 12] },
];

export const NOISE_FLOOR = 10;

export interface ResidualEnsembleState {
  kind: 'residual-ensemble';
  intervalMinutes: number;
  approaches: string[];
  options: ResidualEnsembleOptions;
  scales: number[];
  totalScale: number;
  profile: { intervalMinutes: number; table: number[][] };
  /** weights[h][member], member 0 = profile only. */
  weights: number[][];
  /** Normalised conformal quantiles per horizon: approach level and crossing total. */
  q80: number[];
  q95: number[];
  q80Total: number[];
  q95Total: number[];
  validationMae: number[];
  trainedOnIntervals: number;
  extraSize: number;
  /** Whether forecasts scale the profile by the level ratio (absent in older models: no). */
  useLevel?: boolean;
  /** Held-out absolute error of the profile (summed) without and with the level ratio, which decided useLevel. */
  levelCheck?: { plainError: number; levelError: number };
  members: Array<{ name: string; topology: unknown; weightSpecs: tf.io.WeightsManifestEntry[]; weightDataBase64: string }>;
  /** Complete training samples the networks learned from (absent in older models); the FedAvg weight. */
  trainingSamples?: number;
  /**
   * The first origin a forecast can be made from, when lower than firstOrigin() (a cold-started
   * model forecasts from its first day, with yesterday's deviations taken as zero).
   */
  minOrigin?: number;
  /** How the model started: trained alone, or warm-started from a federated snapshot (absent: trained alone). */
  start?: 'trained' | 'scratch-cold' | 'federated-warm';
}

export class ResidualEnsembleForecaster {
  readonly name = 'residual-ensemble';

  private constructor(
    private readonly state: Omit<ResidualEnsembleState, 'members' | 'profile'>,
    private readonly profile: TimeOfWeekProfile,
    private readonly members: tf.LayersModel[],
  ) {}

  get horizons(): number {
    return this.state.options.horizons;
  }

  get trainedOnIntervals(): number {
    return this.state.trainedOnIntervals;
  }

  get validationMae(): number[] {
    return this.state.validationMae;
  }

  get weights(): number[][] {
    return this.state.weights;
  }

  get options(): ResidualEnsembleOptions {
    return this.state.options;
  }

  /** Complete samples the networks were trained on (0 when unknown). */
  get trainingSamples(): number {
    return this.state.trainingSamples ?? 0;
  }

  /** The first origin index this model can forecast from. */
  get minOrigin(): number {
    return this.state.minOrigin ?? ResidualEnsembleForecaster.firstOrigin(this.state.intervalMinutes, this.state.options.lags);
  }

  get start(): 'trained' | 'scratch-cold' | 'federated-warm' {
    return this.state.start ?? 'trained';
  }

  /** Normalised interval widths per horizon, as calibrated. */
  get calibration(): { q80: number[]; q95: number[]; q80Total: number[]; q95Total: number[] } {
    const { q80, q95, q80Total, q95Total } = this.state;
    return { q80: [...q80], q95: [...q95], q80Total: [...q80Total], q95Total: [...q95Total] };
  }

  get timeOfWeekProfile(): TimeOfWeekProfile {
    return this.profile;
  }

  /** Each member's weight tensors (copies), in layer order. */
  memberWeights(): Array<{ name: string; tensors: Array<{ shape: number[]; values: Float32Array }> }> {
    return this.members.map((model, m) => ({
      name: MEMBERS[m].name,
      tensors: model.getWeights().map((w) => ({ shape: [...w.shape], values: Float32Array.from(w.dataSync()) })),
    }));
  }

  /** Builds a forecaster from parts (federated warm start); takes ownership of `members`. */
  static fromParts(state: Omit<ResidualEnsembleState, 'members' | 'profile'>, profile: TimeOfWeekProfile, members: tf.LayersModel[]): ResidualEnsembleForecaster {
    return new ResidualEnsembleForecaster(state, profile, members);
  }

  /** Whether the profile is scaled by the recent level ratio. */
  get usesLevel(): boolean {
    return this.state.useLevel === true;
  }

  /** A tracker that adapts this model's interval widths online, starting from its calibration. */
  adaptiveIntervals(rate?: number): AdaptiveIntervals {
    const { q80, q95, q80Total, q95Total } = this.state;
    return AdaptiveIntervals.start({ q80, q95, q80Total, q95Total }, rate);
  }

  /** The first origin index from which a forecast can be made. */
  static firstOrigin(intervalMinutes: number, lags: number): number {
    return Math.max(lags - 1, intervalsPerDay(intervalMinutes));
  }

  static async train(input: ResidualTrainingInput, partial: Partial<ResidualEnsembleOptions> = {}): Promise<ResidualEnsembleForecaster> {
    const options = { ...DEFAULT_RESIDUAL_ENSEMBLE, ...partial };
    const { values, approaches } = input;
    const n = values.length;
    const first = ResidualEnsembleForecaster.firstOrigin(input.intervalMinutes, options.lags);
    const lastOrigin = n - 1 - options.horizons;
    if (lastOrigin - first < 4 * intervalsPerDay(input.intervalMinutes) / 4) {
      throw new Error(`not enough history to train: ${n} intervals, need at least ${first + options.horizons + intervalsPerDay(input.intervalMinutes)}`);
    }
    const scales = approaches.map((_, a) => {
      let sum = 0;
      let count = 0;
      for (let t = 0; t < n; t++) if (input.isReal(t, a)) (sum += values[t][a]), count++;
      return Math.max(5, count ? sum / count : 0);
    });
    const totalScale = scales.reduce((s, x) => s + x, 0);
    const splitOrigin = first + Math.floor((lastOrigin - first) * (1 - options.validationShare));
    const slots = values.map((_, t) => slotOfWeek(input.calendar, input.firstIntervalStartMs + t * input.intervalMinutes * 60_000, input.intervalMinutes));

    // Profile from the training part only, so the held-out days are truly out of sample.
    const trainPart = values.slice(0, splitOrigin + 1);
    const trainProfile = TimeOfWeekProfile.fit(trainPart, input.isReal, input.firstIntervalStartMs, input.intervalMinutes, input.calendar);
    const perDayN = intervalsPerDay(input.intervalMinutes);
    const levelWindow = Math.max(1, Math.round(options.levelWindowDays * perDayN));
    const levelShrink = scales.map((x) => 0.5 * perDayN * x);
    const levelOf = (source: (t: number, a: number) => number, isReal: (t: number, a: number) => boolean) =>
      levelFunction(values, isReal, source, approaches.length, options.horizons, levelWindow, levelShrink, 0);
    // Held-out days: does the level ratio make the profile a better forecast?
    const trainLevel = levelOf((t, a) => trainProfile.at(slots[t], a), input.isReal);
    let plainError = 0;
    let levelError = 0;
    for (let t = splitOrigin + 1; t < n; t++) {
      for (let a = 0; a < approaches.length; a++) {
        if (!input.isReal(t, a)) continue;
        const p = trainProfile.at(slots[t], a);
        plainError += Math.abs(values[t][a] - p);
        levelError += Math.abs(values[t][a] - p * trainLevel(t, a));
      }
    }
    const useLevel = options.level === 'on' || (options.level === 'auto' && levelError < 0.99 * plainError);
    const frame = buildFrame(input, trainProfile, slots, scales, totalScale, options, useLevel ? trainLevel : undefined);
    // The networks learn from deviations a profile could not have known: with two weeks or
    // more, each training week's deviations are taken from a profile fitted without that
    // week (otherwise the deviations would be smaller and less persistent than live ones).
    const perWeek = 7 * intervalsPerDay(input.intervalMinutes);
    const weeks = Math.ceil(trainPart.length / perWeek);
    let trainingFrame = frame;
    if (trainPart.length >= 2 * perWeek) {
      const folds = Array.from({ length: weeks }, (_, w) =>
        TimeOfWeekProfile.fit(trainPart, (t, a) => Math.floor(t / perWeek) !== w && input.isReal(t, a), input.firstIntervalStartMs, input.intervalMinutes, input.calendar),
      );
      const foldAt = (t: number) => folds[Math.min(weeks - 1, Math.floor(t / perWeek))];
      const foldLevel = useLevel ? levelOf((t, a) => foldAt(t).at(slots[t], a), input.isReal) : undefined;
      trainingFrame = buildFrame(input, foldAt, slots, scales, totalScale, options, foldLevel);
    }

    // Training samples: only those whose every target is a real reading.
    const training = trainingFrame.samples(first, splitOrigin);
    if (training.count < 50) throw new Error(`not enough real readings to train: ${training.count} complete samples`);
    const members: tf.LayersModel[] = [];
    for (const [m, spec] of MEMBERS.entries()) {
      const model = buildMember(trainingFrame.inputSize, options.horizons, spec, options, options.seed + 17 * m);
      try {
        await fitSeeded(model, training.xs, training.ys, training.count, trainingFrame.inputSize, options.horizons, trainingEpochs(options, training.count), options.batchSize, options.seed + 17 * m + 5);
      } finally {
        model.optimizer.dispose();
      }
      members.push(model);
    }

    // Held-out days: member corrections, then weights and interval widths per horizon.
    const validationOrigins: number[] = [];
    for (let t = splitOrigin + 1; t <= lastOrigin; t++) validationOrigins.push(t);
    const corrections = predictCorrections(members, frame, validationOrigins, approaches.length, options.horizons);
    const weights: number[][] = [];
    const q80: number[] = [];
    const q95: number[] = [];
    const q80Total: number[] = [];
    const q95Total: number[] = [];
    const validationMae: number[] = [];
    for (let h = 1; h <= options.horizons; h++) {
      const rows: Array<{ target: number; base: number; member: number[]; a: number; t: number }> = [];
      validationOrigins.forEach((t, k) => {
        for (let a = 0; a < approaches.length; a++) {
          if (!input.isReal(t + h, a)) continue;
          rows.push({ target: values[t + h][a], base: frame.profileAt(t + h, a), member: corrections.map((c) => c[k][a][h - 1] * scales[a]), a, t });
        }
      });
      const w = bestSimplexWeights(rows.map((r) => ({ target: r.target - r.base, options: [0, ...r.member] })));
      weights.push(w);
      const predict = (r: (typeof rows)[number]) => Math.max(0, r.base + r.member.reduce((s, c, i) => s + w[i + 1] * c, 0));
      q80.push(conformalQuantile(rows.map((r) => Math.abs(r.target - predict(r)) / Math.sqrt(r.base + NOISE_FLOOR)), 0.8));
      q95.push(conformalQuantile(rows.map((r) => Math.abs(r.target - predict(r)) / Math.sqrt(r.base + NOISE_FLOOR)), 0.95));
      // Crossing totals where every approach was real.
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
      const totalResiduals = complete.map((e) => Math.abs(e.target - e.predicted) / Math.sqrt(e.base + NOISE_FLOOR));
      q80Total.push(conformalQuantile(totalResiduals, 0.8));
      q95Total.push(conformalQuantile(totalResiduals, 0.95));
      validationMae.push(complete.reduce((s, e) => s + Math.abs(e.target - e.predicted), 0) / Math.max(1, complete.length));
    }

    // The deployed profile uses all the history, held-out days included.
    const profile = TimeOfWeekProfile.fit(values, input.isReal, input.firstIntervalStartMs, input.intervalMinutes, input.calendar);
    return new ResidualEnsembleForecaster(
      {
        kind: 'residual-ensemble',
        intervalMinutes: input.intervalMinutes,
        approaches,
        options,
        scales,
        totalScale,
        weights,
        q80,
        q95,
        q80Total,
        q95Total,
        validationMae,
        trainedOnIntervals: n,
        extraSize: input.extraFeatures?.size ?? 0,
        useLevel,
        levelCheck: { plainError: Math.round(plainError), levelError: Math.round(levelError) },
        trainingSamples: training.count,
        start: 'trained',
      },
      profile,
      members,
    );
  }

  /**
   * Forecasts for many origins at once (one network call per member): result[k] is the
   * forecast made after interval origins[k]. `values` must extend to every origin.
   */
  forecastMany(
    values: number[][],
    origins: number[],
    firstIntervalStartMs: number,
    calendar: LocalCalendar,
    extra?: ExtraFeatures,
    adaptive?: { intervals: AdaptiveIntervals; isReal: (t: number, a: number) => boolean },
  ): StepForecast[][] {
    const { options, scales, weights, q80, q95, q80Total, q95Total, approaches, intervalMinutes, totalScale } = this.state;
    if (origins.length === 0) return [];
    const minOrigin = this.minOrigin;
    for (const t of origins) if (t < minOrigin || t >= values.length) throw new Error(`cannot forecast after index ${t}: need ${minOrigin} <= index < ${values.length}`);
    const slots = new Map<number, number>();
    const slotAt = (t: number) => {
      let s = slots.get(t);
      if (s === undefined) {
        s = slotOfWeek(calendar, firstIntervalStartMs + t * intervalMinutes * 60_000, intervalMinutes);
        slots.set(t, s);
      }
      return s;
    };
    const input: ResidualTrainingInput = {
      intervalMinutes,
      approaches,
      firstIntervalStartMs,
      values,
      isReal: () => true,
      calendar,
      extraFeatures: extra ? { size: this.state.extraSize, at: extra } : undefined,
    };
    let level: ((t: number, a: number) => number) | undefined;
    if (this.state.useLevel) {
      const perDayN = intervalsPerDay(intervalMinutes);
      const window = Math.max(1, Math.round(options.levelWindowDays * perDayN));
      const from = Math.max(0, Math.min(...origins) - options.lags - options.horizons - window - 1);
      level = levelFunction(values, () => true, (t, a) => this.profile.at(slotAt(t), a), approaches.length, options.horizons, window, scales.map((x) => 0.5 * perDayN * x), from);
    }
    const frame = buildFrame(input, this.profile, { length: values.length, at: slotAt }, scales, totalScale, options, level);
    const corrections = predictCorrections(this.members, frame, origins, approaches.length, options.horizons);
    const stepMs = intervalMinutes * 60_000;
    const tracker = adaptive?.intervals;
    const actualAt = (targetMs: number) => {
      const t = Math.round((targetMs - firstIntervalStartMs) / stepMs);
      if (t < 0 || t >= values.length) return null;
      return approaches.map((_, a) => (adaptive!.isReal(t, a) ? values[t][a] : null));
    };
    return origins.map((t, k) => {
      const originMs = firstIntervalStartMs + t * stepMs;
      // Score the forecasts whose intervals are now counted, then use the adapted widths.
      tracker?.observe(originMs, actualAt);
      const widths = tracker ? tracker.widths : { q80, q95, q80Total, q95Total };
      const pending: PendingForecast[] = [];
      const steps: StepForecast[] = [];
      for (let h = 1; h <= options.horizons; h++) {
        const w = weights[h - 1];
        const means: number[] = [];
        const spreads: number[] = [];
        let totalMean = 0;
        let totalBase = 0;
        const bands: Band[] = approaches.map((_, a) => {
          const base = frame.profileAt(t + h, a);
          const correction = corrections.reduce((s, c, m) => s + w[m + 1] * c[k][a][h - 1] * scales[a], 0);
          const mean = Math.max(0, base + correction);
          totalMean += mean;
          totalBase += base;
          const spread = Math.sqrt(base + NOISE_FLOOR);
          means.push(mean);
          spreads.push(spread);
          return band(mean, { q80: widths.q80[h - 1] * spread, q95: widths.q95[h - 1] * spread });
        });
        const totalSpread = Math.sqrt(totalBase + NOISE_FLOOR);
        steps.push({ stepsAhead: h, total: band(totalMean, { q80: widths.q80Total[h - 1] * totalSpread, q95: widths.q95Total[h - 1] * totalSpread }), approaches: bands });
        pending.push({ targetMs: originMs + h * stepMs, h, means, spreads, totalMean, totalSpread });
      }
      tracker?.record(originMs, pending);
      return steps;
    });
  }

  forecast(
    values: number[][],
    index: number,
    firstIntervalStartMs: number,
    calendar: LocalCalendar,
    extra?: ExtraFeatures,
    adaptive?: { intervals: AdaptiveIntervals; isReal: (t: number, a: number) => boolean },
  ): StepForecast[] {
    return this.forecastMany(values, [index], firstIntervalStartMs, calendar, extra, adaptive)[0];
  }

  async serialize(): Promise<ResidualEnsembleState> {
    const members = [];
    for (const [m, model] of this.members.entries()) {
      let artifacts: tf.io.ModelArtifacts | undefined;
      await model.save(
        tf.io.withSaveHandler(async (a) => {
          artifacts = a;
          return { modelArtifactsInfo: { dateSaved: new Date(0), modelTopologyType: 'JSON' } };
        }),
      );
      if (!artifacts?.weightData || !artifacts.weightSpecs) throw new Error('model produced no weights to save');
      const data = artifacts.weightData instanceof ArrayBuffer ? artifacts.weightData : tf.io.concatenateArrayBuffers(artifacts.weightData);
      members.push({ name: MEMBERS[m].name, topology: artifacts.modelTopology, weightSpecs: artifacts.weightSpecs, weightDataBase64: Buffer.from(data).toString('base64') });
    }
    return { ...this.state, profile: this.profile.toJSON(), members };
  }

  static async deserialize(state: ResidualEnsembleState): Promise<ResidualEnsembleForecaster> {
    const members: tf.LayersModel[] = [];
    for (const member of state.members) {
      const weightData = Uint8Array.from(Buffer.from(member.weightDataBase64, 'base64')).buffer;
      members.push(await tf.loadLayersModel(tf.io.fromMemory({ modelTopology: member.topology as tf.io.ModelJSON['modelTopology'], weightSpecs: member.weightSpecs, weightData })));
    }
    const { members: _members, profile, ...rest } = state;
    return new ResidualEnsembleForecaster(rest, TimeOfWeekProfile.fromJSON(profile), members);
  }

  dispose(): void {
    for (const model of this.members) model.dispose();
  }
}

/** @internal The feature frame of a crossing's history (exported for federated warm start). */
export interface Frame {
  inputSize: number;
  profileAt(t: number, a: number): number;
  /** Feature row of approach a at origin t. */
  row(t: number, a: number): number[];
  /** Training samples of origins [from, to] whose targets are all real. */
  samples(from: number, to: number): { xs: Float32Array; ys: Float32Array; count: number };
}

/** @internal */
export function buildFrame(
  input: ResidualTrainingInput,
  profile: TimeOfWeekProfile | ((t: number) => TimeOfWeekProfile),
  slots: { length: number; at?: (t: number) => number } | number[],
  scales: number[],
  totalScale: number,
  options: ResidualEnsembleOptions,
  level?: (t: number, a: number) => number,
): Frame {
  const { values, approaches, calendar, intervalMinutes, firstIntervalStartMs } = input;
  const slotAt = Array.isArray(slots) ? (t: number) => slots[t] : (slots.at as (t: number) => number);
  const A = approaches.length;
  const H = options.horizons;
  const L = options.lags;
  const extraSize = input.extraFeatures?.size ?? 0;
  const inputSize = frameInputSize(options, extraSize);
  const profileCache = new Map<number, number[]>();
  const profileRow = (t: number) => {
    let row = profileCache.get(t);
    if (!row) {
      const s = slotAt(t);
      const source = typeof profile === 'function' ? profile(t) : profile;
      row = level ? approaches.map((_, a) => source.at(s, a) * level(t, a)) : approaches.map((_, a) => source.at(s, a));
      profileCache.set(t, row);
    }
    return row;
  };
  const deviation = (t: number, a: number) => (values[t][a] - profileRow(t)[a]) / scales[a];
  const deviationAgainst = (t: number, reference: number, a: number) => {
    if (typeof profile !== 'function') return deviation(t, a);
    const expected = profile(reference).at(slotAt(t), a) * (level ? level(t, a) : 1);
    return (values[t][a] - expected) / scales[a];
  };
  const yesterdayCache = new Map<number, number>();
  // Same local time yesterday (a daylight-saving day is not 24 hours).
  const sameTimeYesterday = (t: number) => {
    let y = yesterdayCache.get(t);
    if (y === undefined) yesterdayCache.set(t, (y = calendar.sameLocalTimeIndex(t, 1, firstIntervalStartMs, intervalMinutes)));
    return Math.min(y, t - 1);
  };
  const lastWeekCache = new Map<number, number>();
  const sameTimeLastWeek = (t: number) => {
    let w = lastWeekCache.get(t);
    if (w === undefined) lastWeekCache.set(t, (w = calendar.sameLocalTimeIndex(t, 7, firstIntervalStartMs, intervalMinutes)));
    return Math.min(w, t - 1);
  };
  const totalDeviation = (t: number) => {
    let d = 0;
    for (let a = 0; a < A; a++) d += values[t][a] - profileRow(t)[a];
    return d / totalScale;
  };
  const row = (t: number, a: number): number[] => {
    const features: number[] = [];
    for (let l = 0; l < L; l++) features.push(deviation(t - l, a));
    for (let l = 0; l < 4; l++) features.push(totalDeviation(t - l));
    for (let h = 1; h <= H; h++) features.push(profileRow(t + h)[a] / scales[a]);
    for (let h = 1; h <= H; h++) {
      // Only values known at the origin t.
      const yesterday = sameTimeYesterday(t + h);
      features.push(yesterday >= 0 && yesterday <= t ? deviation(yesterday, a) : 0);
    }
    if (options.lastWeekFeatures) {
      for (let h = 1; h <= H; h++) {
        const lastWeek = sameTimeLastWeek(t + h);
        // Against the profile the target's own values are left out of (in training, a
        // fold profile that holds last week but not the target's week), as live.
        features.push(lastWeek >= 0 && lastWeek <= t ? deviationAgainst(lastWeek, t + h, a) : 0);
      }
    }
    const local = calendar.slotOf(firstIntervalStartMs + (t + 1) * intervalMinutes * 60_000);
    const angle = (2 * Math.PI * local.minuteOfDay) / (24 * 60);
    features.push(Math.sin(angle), Math.cos(angle), local.dayOfWeek === 5 ? 1 : 0, local.dayOfWeek === 6 ? 1 : 0);
    if (input.extraFeatures) features.push(...input.extraFeatures.at(t, a));
    return features;
  };
  return {
    inputSize,
    profileAt: (t, a) => profileRow(t)[a],
    row,
    samples(from, to) {
      const capacity = (to - from + 1) * A;
      const xs = new Float32Array(capacity * inputSize);
      const ys = new Float32Array(capacity * H);
      let k = 0;
      for (let t = from; t <= to; t++) {
        for (let a = 0; a < A; a++) {
          let real = true;
          for (let h = 1; h <= H && real; h++) real = input.isReal(t + h, a);
          if (!real) continue;
          xs.set(row(t, a), k * inputSize);
          for (let h = 1; h <= H; h++) ys[k * H + h - 1] = deviation(t + h, a);
          k++;
        }
      }
      return { xs: xs.subarray(0, k * inputSize), ys: ys.subarray(0, k * H), count: k };
    },
  };
}

/**
 * The level ratio of approach a for target interval t: real counts over profile
 * expectations in the `window` intervals ending `horizons` intervals before t (so it is
 * known at every origin that forecasts t), shrunk towards 1 by `shrink[a]` vehicles and
 * kept within [0.25, 4]. Prefix sums from `from` make each look-up O(1).
 */
function levelFunction(
  values: number[][],
  isReal: (t: number, a: number) => boolean,
  profileAt: (t: number, a: number) => number,
  approachCount: number,
  horizons: number,
  window: number,
  shrink: number[],
  from: number,
): (t: number, a: number) => number {
  const n = values.length;
  const cumV = Array.from({ length: approachCount }, () => new Float64Array(n - from + 1));
  const cumP = Array.from({ length: approachCount }, () => new Float64Array(n - from + 1));
  for (let t = from; t < n; t++) {
    const i = t - from;
    for (let a = 0; a < approachCount; a++) {
      const real = isReal(t, a);
      cumV[a][i + 1] = cumV[a][i] + (real ? values[t][a] : 0);
      cumP[a][i + 1] = cumP[a][i] + (real ? profileAt(t, a) : 0);
    }
  }
  return (t, a) => {
    const end = Math.min(n, t - horizons + 1) - from;
    const start = Math.max(0, end - window);
    if (end <= start) return 1;
    const v = cumV[a][end] - cumV[a][start];
    const p = cumP[a][end] - cumP[a][start];
    return Math.min(4, Math.max(0.25, (v + shrink[a]) / (p + shrink[a])));
  };
}

/** corrections[member][k][a][h-1], scaled units. */
/** @internal */
export function predictCorrections(members: tf.LayersModel[], frame: Frame, origins: number[], approachCount: number, horizons: number): number[][][][] {
  const xs = new Float32Array(origins.length * approachCount * frame.inputSize);
  let k = 0;
  for (const t of origins) for (let a = 0; a < approachCount; a++, k++) xs.set(frame.row(t, a), k * frame.inputSize);
  return members.map((model) => {
    const flat = tf.tidy(() => (model.predict(tf.tensor2d(xs, [k, frame.inputSize])) as tf.Tensor2D).dataSync());
    return origins.map((_, i) =>
      Array.from({ length: approachCount }, (_, a) => Array.from({ length: horizons }, (_, h) => flat[(i * approachCount + a) * horizons + h])),
    );
  });
}

/** @internal */
export function buildMember(inputSize: number, horizons: number, spec: MemberSpec, options: ResidualEnsembleOptions, seed: number): tf.Sequential {
  const model = tf.sequential();
  spec.hidden.forEach((units, i) => {
    model.add(
      tf.layers.dense({
        ...(i === 0 ? { inputShape: [inputSize] } : {}),
        units,
        activation: 'relu',
        kernelInitializer: tf.initializers.glorotUniform({ seed: seed + i }),
        kernelRegularizer: tf.regularizers.l2({ l2: options.l2 }),
      }),
    );
  });
  model.add(
    tf.layers.dense({
      ...(spec.hidden.length === 0 ? { inputShape: [inputSize] } : {}),
      units: horizons,
      kernelInitializer: tf.initializers.glorotUniform({ seed: seed + 99 }),
      // The output layer too: for the linear member it is the only layer, and an
      // unpenalised linear fit on a week of data makes wild corrections.
      kernelRegularizer: tf.regularizers.l2({ l2: options.l2 }),
    }),
  );
  model.compile({ optimizer: tf.train.adam(options.learningRate), loss: 'meanSquaredError' });
  return model;
}

/**
 * Non-negative weights summing to 1 that minimise the squared error of
 * sum_i w_i * options_i against target, searched on a 0.05 grid of the simplex.
 */
export function bestSimplexWeights(rows: Array<{ target: number; options: number[] }>, step = 0.05): number[] {
  const m = rows[0]?.options.length ?? 1;
  if (rows.length === 0) return Array.from({ length: m }, (_, i) => (i === 0 ? 1 : 0));
  // Sufficient statistics: the error of any weight vector follows from these.
  const gram = Array.from({ length: m }, () => new Array<number>(m).fill(0));
  const cross = new Array<number>(m).fill(0);
  for (const r of rows) {
    for (let i = 0; i < m; i++) {
      cross[i] += r.options[i] * r.target;
      for (let j = 0; j < m; j++) gram[i][j] += r.options[i] * r.options[j];
    }
  }
  const units = Math.round(1 / step);
  let best: number[] = [];
  let bestError = Infinity;
  const w = new Array<number>(m).fill(0);
  const visit = (i: number, remaining: number) => {
    if (i === m - 1) {
      w[i] = remaining / units;
      let error = 0;
      for (let p = 0; p < m; p++) {
        error -= 2 * w[p] * cross[p];
        for (let q = 0; q < m; q++) error += w[p] * w[q] * gram[p][q];
      }
      if (error < bestError - 1e-9) {
        bestError = error;
        best = [...w];
      }
      return;
    }
    for (let u = 0; u <= remaining; u++) {
      w[i] = u / units;
      visit(i + 1, remaining - u);
    }
  };
  visit(0, units);
  return best;
}
