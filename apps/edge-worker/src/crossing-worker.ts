import { CrossingDefinition, DetectorReading, ModelInfo, UnsignedForecastMessage, UnsignedHeartbeatMessage, WorkerStatus } from '@crosscast/contracts';
import {
  AdaptiveIntervals,
  CleanSeries,
  CleaningOptions,
  CleaningSummary,
  DEFAULT_CLEANING,
  ResidualEnsembleForecaster,
  ResidualEnsembleState,
  IntervalSeries,
  LocalCalendar,
  SeasonalNaiveForecaster,
  StepForecast,
  DEFAULT_RESIDUAL_ENSEMBLE,
  FederatedArchitecture,
  FederatedSnapshot,
  coldStart,
  exportSnapshot,
  federatedArchitecture,
  cleanSeries,
  cleaningWarning,
  intervalsPerDay,
  realShare,
  roundBand,
  summarizeCleaning,
} from '@crosscast/forecasting';

export type AcceptOutcome = 'appended' | 'filled' | 'ignored' | 'held';

/** Most earlier intervals' observations one forecast carries after a backlog. */
export const MAX_EARLIER_OBSERVED = 96;

/** Where a worker's messages go (BullMQ in the app, an array in tests); the sink signs them. */
export interface MessageSink {
  publishForecast(message: UnsignedForecastMessage): void;
}

/** Runs training jobs; the host runs one at a time so training never starves forecasting. */
export interface TrainingRunner {
  run<T>(job: () => Promise<T>): Promise<T>;
}

/** What a worker keeps on its own disk, so a restart continues where it stopped. */
export interface PersistedCrossingState {
  crossingId: string;
  seq: number;
  heartbeatSeq: number;
  streamCursor: string;
  intervalMinutes: number;
  approaches: string[];
  firstIntervalStartMs: number | null;
  values: Array<Array<number | null>>;
  modelVersion: number;
}

export interface CrossingWorkerOptions {
  horizons: number;
  minTrainIntervals: number;
  retrainEveryIntervals: number;
  historyLimitIntervals: number;
  trainEpochs: number;
  /** Fewest gradient steps per network (default 600, libs/forecasting minTrainingSteps). */
  trainMinSteps?: number;
  /** How readings are judged (default DEFAULT_CLEANING: limits from physics and the detector's history). */
  cleaning?: Partial<CleaningOptions>;
}

/**
 * What asking the city for a warm start gave: the verified average, nothing usable yet
 * (nothing published for this architecture, Redis unreachable), or a payload refused
 * (not signed by fusion for this crossing, altered, malformed, another architecture).
 */
export type WarmStartFetch =
  | { status: 'received'; snapshot: FederatedSnapshot; contributors: number; publishedAt: string }
  | { status: 'unavailable' | 'refused'; reason: string };

/** The worker's last warm-start attempt (GET /health; forecasts on the baseline carry it as a flag). */
export interface WarmStartState {
  status: 'used' | 'unavailable' | 'refused';
  reason: string | null;
  /** Crossings averaged in the warm start used. */
  contributors: number | null;
  at: string;
}

/**
 * The worker's side of federated warm start (a BullMQ producer and a Redis read in the
 * app; plain objects in tests).
 */
export interface WorkerFederation {
  /** The city's verified average for this architecture, or why there is none. May reject (Redis errors). */
  fetchWarmStart(crossingId: string, architecture: FederatedArchitecture): Promise<WarmStartFetch>;
  /** Shares the transferable part of a fully trained model (weights and error statistics, no counts). */
  publishSnapshot(crossingId: string, modelVersion: number, snapshot: FederatedSnapshot): void;
}

export interface FederationOptions {
  /** Whether to ask the city for a warm start at all (snapshots may be shared either way). */
  warmStart: boolean;
  /** Warm-start once the history has this many intervals (and until minTrainIntervals). */
  warmStartMinIntervals: number;
  /** Epochs of local fine-tuning of the averaged networks. */
  fineTuneEpochs: number;
  /** Whether fully trained models' snapshots are shared with the city. */
  shareSnapshots: boolean;
}

/** After a failed or empty warm-start request, wait this many new intervals before asking again. */
const WARM_START_RETRY_INTERVALS = 4;

export interface WorkerClock {
  now(): Date;
}

export interface WorkerLog {
  log(message: string): void;
  warn(message: string): void;
}

const DAY_MS = 24 * 3600 * 1000;

/**
 * One crossing's edge worker: keeps the crossing's own detector history, cleans it,
 * trains its own model on it in the background, and after each batch of new readings
 * publishes a forecast for the next intervals. Until the first model is trained it
 * forecasts with the seasonal-naive baseline, so the crossing is never silent. Plain
 * class: its I/O (queue, disk, clock, training slot) is passed in.
 */
export class CrossingWorker {
  readonly crossingId: string;
  private readonly approaches: string[];
  private intervalMinutes: number;
  private firstIntervalStartMs: number | null = null;
  private values: Array<Array<number | null>> = [];
  private seq = 0;
  private heartbeatSeq = 0;
  streamCursor = '0';
  private model: ResidualEnsembleForecaster | null = null;
  /** The model's intervals, adapted online to their own misses (reset with each new model). */
  private intervals: AdaptiveIntervals | null = null;
  private modelVersion = 0;
  private intervalsAtLastTraining = 0;
  private training = false;
  private lastError: string | null = null;
  private unknownApproachWarned = false;
  private heldJump: { startMs: number; row: Array<number | null> } | null = null;
  /** The model's last 1-step forecast of the crossing total, to score when its interval arrives. */
  private pendingCheck: { targetMs: number; mean: number } | null = null;
  /** Absolute 1-step errors of the crossing total by the current model, newest last (at most a day). */
  private recentErrors: number[] = [];
  /** Newest interval whose observation the city has been sent; later ones go with the next forecast. */
  private lastReportedIntervalStartMs: number | null = null;
  private readonly calendar: LocalCalendar;
  private readonly cleaning: CleaningOptions;
  /** The cleaning tally of the history at the newest forecast (sent with heartbeats). */
  private lastCleaning: CleaningSummary | null = null;
  private cleaningWarned = false;
  /** History length at the last warm-start request (null: never asked). */
  private warmStartAskedAt: number | null = null;
  private lastWarmStart: WarmStartState | null = null;

  constructor(
    readonly crossing: CrossingDefinition,
    intervalMinutes: number,
    timeZone: string,
    private readonly backend: string,
    private readonly options: CrossingWorkerOptions,
    private readonly sink: MessageSink,
    private readonly trainer: TrainingRunner,
    private readonly clock: WorkerClock,
    private readonly logger: WorkerLog,
    private readonly onModelTrained: (worker: CrossingWorker, model: ResidualEnsembleState, version: number) => Promise<void> = async () => undefined,
    private readonly federation: { client: WorkerFederation; options: FederationOptions } | null = null,
  ) {
    this.crossingId = crossing.id;
    this.approaches = crossing.approaches.map((a) => a.id);
    this.intervalMinutes = intervalMinutes;
    this.calendar = new LocalCalendar(timeZone);
    this.cleaning = { ...DEFAULT_CLEANING, ...options.cleaning };
  }

  get historyIntervals(): number {
    return this.values.length;
  }

  get isTraining(): boolean {
    return this.training;
  }

  get currentModelVersion(): number {
    return this.modelVersion;
  }

  /** Restores history, sequence numbers and (if given) the saved model after a restart. */
  async restore(state: PersistedCrossingState, model: ResidualEnsembleState | null): Promise<void> {
    if (state.crossingId !== this.crossingId || state.approaches.join(',') !== this.approaches.join(',')) {
      this.logger.warn(`${this.crossingId}: saved state is for a different crossing layout; starting afresh`);
      return;
    }
    this.seq = state.seq;
    this.heartbeatSeq = state.heartbeatSeq;
    this.streamCursor = state.streamCursor;
    this.intervalMinutes = state.intervalMinutes;
    this.firstIntervalStartMs = state.firstIntervalStartMs;
    this.values = state.values;
    if (model && model.kind === 'residual-ensemble' && model.approaches.join(',') === this.approaches.join(',')) {
      this.model = await ResidualEnsembleForecaster.deserialize(model);
      this.intervals = this.model.adaptiveIntervals();
      this.modelVersion = state.modelVersion;
      this.intervalsAtLastTraining = model.trainedOnIntervals;
    }
  }

  /**
   * Never reuse a sequence number: after a crash the saved state may be older than the
   * last forecast sent (state is saved every few batches; every forecast is journalled),
   * so the host passes the highest seq its journal has seen.
   */
  continueSequenceAfter(highestUsedSeq: number): void {
    this.seq = Math.max(this.seq, highestUsedSeq + 1);
  }

  get nextSeq(): number {
    return this.seq;
  }

  snapshot(): PersistedCrossingState {
    return {
      crossingId: this.crossingId,
      seq: this.seq,
      heartbeatSeq: this.heartbeatSeq,
      streamCursor: this.streamCursor,
      intervalMinutes: this.intervalMinutes,
      approaches: this.approaches,
      firstIntervalStartMs: this.firstIntervalStartMs,
      values: this.values,
      modelVersion: this.modelVersion,
    };
  }

  /**
   * Adds one interval's readings to the history:
   * - 'appended': a new newest interval (a gap before it is kept as missing intervals);
   * - 'filled': a late reading for an interval the history was missing;
   * - 'ignored': already seen, or malformed for this crossing;
   * - 'held': a jump more than a day ahead, kept aside until the next reading confirms it
   *   (one reading with a wrong clock must not wipe the history).
   * A reading over a day older than the history means the street's clock was reset (a
   * replay started again): the history starts afresh.
   */
  accept(reading: DetectorReading): AcceptOutcome {
    if (reading.crossingId !== this.crossingId) throw new Error(`reading for ${reading.crossingId} delivered to worker ${this.crossingId}`);
    if (reading.intervalMinutes !== this.intervalMinutes) {
      this.logger.warn(`${this.crossingId}: reading interval ${reading.intervalMinutes} min, expected ${this.intervalMinutes}; ignored`);
      return 'ignored';
    }
    const startMs = Date.parse(reading.intervalStart);
    const stepMs = this.intervalMinutes * 60_000;
    if (startMs % stepMs !== 0) {
      this.logger.warn(`${this.crossingId}: reading at ${reading.intervalStart} is not on the ${this.intervalMinutes}-minute grid; ignored`);
      return 'ignored';
    }
    const row = this.approaches.map((id) => {
      const v = reading.counts[id];
      return v === undefined ? null : v;
    });
    if (!this.unknownApproachWarned && Object.keys(reading.counts).some((id) => !this.approaches.includes(id))) {
      this.unknownApproachWarned = true;
      this.logger.warn(`${this.crossingId}: reading names approaches this crossing does not have; they are ignored`);
    }

    if (this.firstIntervalStartMs !== null) {
      const lastMs = this.firstIntervalStartMs + (this.values.length - 1) * stepMs;
      if (startMs <= lastMs) {
        if (startMs < lastMs - DAY_MS) {
          this.logger.warn(`${this.crossingId}: reading at ${reading.intervalStart} is over a day older than the history; the street clock was reset, starting a new history`);
          this.resetHistory();
        } else {
          const index = Math.round((startMs - this.firstIntervalStartMs) / stepMs);
          if (index >= 0 && this.values[index].every((v) => v === null) && row.some((v) => v !== null)) {
            this.values[index] = row;
            return 'filled';
          }
          return 'ignored';
        }
      } else if (startMs - lastMs > DAY_MS) {
        const pending = this.heldJump;
        if (!pending || startMs !== pending.startMs + stepMs) {
          if (!pending) this.logger.warn(`${this.crossingId}: reading at ${reading.intervalStart} jumps over a day ahead of the history; held until the next reading confirms the clock`);
          this.heldJump = { startMs, row };
          return 'held';
        }
        // Two consecutive readings agree: the street really moved on (a long outage).
        this.logger.warn(`${this.crossingId}: the clock jump to ${new Date(pending.startMs).toISOString()} is confirmed`);
        this.heldJump = null;
        this.append(pending.startMs, pending.row);
      } else if (this.heldJump) {
        this.logger.warn(`${this.crossingId}: discarded a reading whose clock was over a day ahead (${new Date(this.heldJump.startMs).toISOString()})`);
        this.heldJump = null;
      }
    }
    this.append(startMs, row);
    return 'appended';
  }

  private append(startMs: number, row: Array<number | null>): void {
    const stepMs = this.intervalMinutes * 60_000;
    if (this.firstIntervalStartMs !== null) {
      const lastMs = this.firstIntervalStartMs + (this.values.length - 1) * stepMs;
      const gap = Math.round((startMs - lastMs) / stepMs) - 1;
      if (gap >= this.options.historyLimitIntervals) this.resetHistory();
      else for (let k = 0; k < gap; k++) this.values.push(this.approaches.map(() => null));
    }
    if (this.firstIntervalStartMs === null) this.firstIntervalStartMs = startMs;
    this.values.push(row);
    const excess = this.values.length - this.options.historyLimitIntervals;
    if (excess > 0) {
      this.values.splice(0, excess);
      this.firstIntervalStartMs += excess * stepMs;
      this.intervalsAtLastTraining = Math.max(0, this.intervalsAtLastTraining - excess);
    }
  }

  /** Forecasts after the newest interval and publishes it; starts training when due. */
  forecastLatest(): UnsignedForecastMessage | null {
    if (this.firstIntervalStartMs === null || this.values.length === 0) return null;
    const series = this.series();
    const clean = cleanSeries(series, this.cleaning);
    this.tallyCleaning(clean);
    const index = clean.values.length - 1;
    let steps: StepForecast[];
    let modelInfo: ModelInfo;
    const flags: string[] = [];
    let modelSteps: StepForecast[] | null = null;
    if (this.model && index >= this.model.minOrigin) {
      try {
        this.intervals ??= this.model.adaptiveIntervals();
        modelSteps = this.model.forecast(clean.values, index, this.firstIntervalStartMs, this.calendar, undefined, {
          intervals: this.intervals,
          isReal: (t, a) => clean.flags[t]?.[a] === 'real',
        });
        this.lastError = null;
      } catch (error) {
        // The crossing must not go silent: fall back to the baseline and report degraded.
        this.lastError = (error as Error).message;
        this.logger.warn(`${this.crossingId}: model forecast failed (${this.lastError}); using the baseline`);
      }
    }
    if (modelSteps && this.model) {
      steps = modelSteps;
      modelInfo = { name: this.model.name, version: this.modelVersion, backend: this.backend, trainedOnIntervals: this.model.trainedOnIntervals };
    } else {
      const baseline = new SeasonalNaiveForecaster(this.intervalMinutes, this.options.horizons, clean.values);
      steps = baseline.forecast(clean.values, index);
      modelInfo = { name: baseline.name, version: 0, backend: 'none', trainedOnIntervals: 0 };
      flags.push(this.lastError ? 'model-failed' : 'baseline-until-trained');
    }
    if (modelSteps && this.model?.start === 'federated-warm') flags.push('federated-warm-start');
    // On the baseline after asking the city: say why there is no warm start.
    if (!modelSteps && this.lastWarmStart && this.lastWarmStart.status !== 'used') flags.push(`warm-start-${this.lastWarmStart.status}`);

    this.scorePendingCheck(clean, index);
    if (modelSteps) {
      this.pendingCheck = { targetMs: (this.firstIntervalStartMs as number) + (index + 1) * this.intervalMinutes * 60_000, mean: steps[0].total.mean };
    } else {
      this.pendingCheck = null;
    }
    const inputShare = realShare(clean, index - 7, index + 1);
    if (inputShare < 0.75) flags.push('inputs-mostly-filled');
    const message = this.buildMessage(clean, index, steps, modelInfo, inputShare, flags);
    this.sink.publishForecast(message);
    this.maybeTrain(clean);
    return message;
  }

  /** The next heartbeat to send (advances the heartbeat sequence). */
  nextHeartbeat(bufferedMessages: number): UnsignedHeartbeatMessage {
    const heartbeat = this.describe(bufferedMessages);
    this.heartbeatSeq++;
    return heartbeat;
  }

  /** The worker's state as a heartbeat, without advancing the sequence (health checks). */
  describe(bufferedMessages: number): UnsignedHeartbeatMessage {
    const status: WorkerStatus = this.values.length === 0 ? 'starting' : this.lastError ? 'degraded' : this.model ? 'ok' : 'warming-up';
    const lastMs = this.firstIntervalStartMs === null ? null : this.firstIntervalStartMs + (this.values.length - 1) * this.intervalMinutes * 60_000;
    return {
      v: 1,
      crossingId: this.crossingId,
      seq: this.heartbeatSeq,
      sentAt: this.clock.now().toISOString(),
      status,
      model: this.model
        ? { name: this.model.name, version: this.modelVersion, backend: this.backend, trainedOnIntervals: this.model.trainedOnIntervals }
        : null,
      historyIntervals: this.values.length,
      lastIntervalStart: lastMs === null ? null : new Date(lastMs).toISOString(),
      training: this.training,
      bufferedMessages,
      drift: this.drift(),
      cleaning: this.lastCleaning ? { cells: this.lastCleaning.cells, shares: this.lastCleaning.shares, droppedShare: this.lastCleaning.droppedShare } : null,
    };
  }

  /** The last warm-start attempt (null: never asked). */
  get warmStartState(): WarmStartState | null {
    return this.lastWarmStart;
  }

  /** The cleaning tally of the history as of the newest forecast (null before the first). */
  get cleaningSummary(): CleaningSummary | null {
    return this.lastCleaning;
  }

  /** Counts every flagged reading; warns once each time the dropped share rises over 5%. */
  private tallyCleaning(clean: CleanSeries): void {
    const summary = summarizeCleaning(clean.flags);
    this.lastCleaning = summary;
    const warning = cleaningWarning(summary, this.crossingId);
    if (warning && !this.cleaningWarned) {
      const limits = clean.limits.map((l, a) => `${this.approaches[a]} <= ${l.maxCount} (${l.source})`).join(', ');
      this.logger.warn(`${warning}; limits per interval: ${limits}`);
    }
    this.cleaningWarned = warning !== null;
  }

  dispose(): void {
    this.model?.dispose();
    this.model = null;
    this.intervals = null;
  }

  private buildMessage(clean: CleanSeries, index: number, steps: StepForecast[], model: ModelInfo, inputShare: number, flags: string[]): UnsignedForecastMessage {
    const stepMs = this.intervalMinutes * 60_000;
    const basedOnMs = (this.firstIntervalStartMs as number) + index * stepMs;
    const basedOn = new Date(basedOnMs).toISOString();
    const unreported = this.lastReportedIntervalStartMs === null ? index : Math.round((basedOnMs - this.lastReportedIntervalStartMs) / stepMs) - 1;
    const earlier = Math.max(0, Math.min(MAX_EARLIER_OBSERVED, unreported, index));
    const earlierObserved = Array.from({ length: earlier }, (_, k) => this.observedAt(clean, index - earlier + k));
    this.lastReportedIntervalStartMs = basedOnMs;
    const observed = this.observedAt(clean, index);
    return {
      v: 1,
      messageId: `${this.crossingId}:${basedOn}`,
      crossingId: this.crossingId,
      seq: this.seq++,
      sentAt: this.clock.now().toISOString(),
      basedOnIntervalStart: basedOn,
      intervalMinutes: this.intervalMinutes,
      model,
      horizons: steps.map((step) => ({
        stepsAhead: step.stepsAhead,
        horizonMinutes: step.stepsAhead * this.intervalMinutes,
        intervalStart: new Date(basedOnMs + step.stepsAhead * stepMs).toISOString(),
        total: roundBand(step.total),
        approaches: Object.fromEntries(this.approaches.map((id, a) => [id, roundBand(step.approaches[a])])),
      })),
      observed,
      ...(earlierObserved.length ? { earlierObserved } : {}),
      quality: { realInputShare: Math.round(inputShare * 1000) / 1000, flags },
    };
  }

  /**
   * Drift: the model's recent 1-step error on the crossing total against the error it had
   * on its held-out days when trained. A ratio well above 1 means the street has changed
   * (or a detector has) since the model learned it.
   */
  drift(): { recentMae: number; validationMae: number; ratio: number; samples: number } | null {
    if (!this.model || this.recentErrors.length < 8) return null;
    const recentMae = this.recentErrors.reduce((s, e) => s + e, 0) / this.recentErrors.length;
    const validationMae = Math.max(1, this.model.validationMae[0] ?? 1);
    const round = (x: number) => Math.round(x * 100) / 100;
    return { recentMae: round(recentMae), validationMae: round(validationMae), ratio: round(recentMae / validationMae), samples: this.recentErrors.length };
  }

  private scorePendingCheck(clean: CleanSeries, index: number): void {
    const check = this.pendingCheck;
    if (!check) return;
    const checkIndex = Math.round((check.targetMs - (this.firstIntervalStartMs as number)) / (this.intervalMinutes * 60_000));
    if (checkIndex < 0 || checkIndex > index) return;
    if (clean.flags[checkIndex].every((flag) => flag === 'real')) {
      const actual = clean.values[checkIndex].reduce((s, v) => s + v, 0);
      this.recentErrors.push(Math.abs(actual - check.mean));
      if (this.recentErrors.length > intervalsPerDay(this.intervalMinutes)) this.recentErrors.shift();
    }
    this.pendingCheck = null;
  }

  /** One finished interval as reported to the city: real values, null where filled. */
  private observedAt(clean: CleanSeries, index: number): UnsignedForecastMessage['observed'] {
    const approaches: Record<string, number | null> = {};
    let filled = 0;
    this.approaches.forEach((id, a) => {
      const real = clean.flags[index][a] === 'real';
      if (!real) filled++;
      approaches[id] = real ? Math.round(clean.values[index][a]) : null;
    });
    return {
      intervalStart: new Date((this.firstIntervalStartMs as number) + index * this.intervalMinutes * 60_000).toISOString(),
      // The total counts filled approaches at their filled value; filledShare says how many.
      total: Math.round(clean.values[index].reduce((s, v) => s + v, 0)),
      approaches,
      filledShare: filled / this.approaches.length,
    };
  }

  private maybeTrain(clean: CleanSeries): void {
    if (this.training) return;
    const n = clean.values.length;
    // After a history reset the first model waits for minTrainIntervals again, so a model
    // trained on weeks is not swapped for one trained on a day or two. A warm-started model
    // is replaced by the crossing's own as soon as it has enough history.
    const ownModel = this.model?.start === 'trained';
    const due = n >= this.options.minTrainIntervals && (!this.model || !ownModel || n - this.intervalsAtLastTraining >= this.options.retrainEveryIntervals);
    if (due) return this.startTraining(clean, 'full');
    const federation = this.federation;
    if (!federation?.options.warmStart || n >= this.options.minTrainIntervals || n < federation.options.warmStartMinIntervals) return;
    // Cold start: from a day of history until its own model, warm-started from the city's
    // average of the crossings' models, refreshed as often as a model is retrained.
    const warmDue = !this.model || (this.model.start === 'federated-warm' && n - this.intervalsAtLastTraining >= this.options.retrainEveryIntervals);
    const askedRecently = this.warmStartAskedAt !== null && n - this.warmStartAskedAt < WARM_START_RETRY_INTERVALS && n >= this.warmStartAskedAt;
    if (warmDue && !askedRecently) this.startTraining(clean, 'warm');
  }

  private startTraining(clean: CleanSeries, kind: 'full' | 'warm'): void {
    const n = clean.values.length;
    this.training = true;
    // Train on a copy: the history keeps growing while the model trains.
    const values = clean.values.map((row) => [...row]);
    const real = clean.flags.map((row) => row.map((flag) => flag === 'real'));
    const firstIntervalStartMs = this.firstIntervalStartMs as number;
    if (kind === 'warm') this.warmStartAskedAt = n;
    else this.intervalsAtLastTraining = n;
    const input = { intervalMinutes: this.intervalMinutes, approaches: this.approaches, firstIntervalStartMs, values, isReal: (t: number, a: number) => real[t][a], calendar: this.calendar };
    void this.trainer
      .run(async () => {
        const started = this.clock.now().getTime();
        let trained: ResidualEnsembleForecaster;
        if (kind === 'warm') {
          const federation = this.federation!;
          const architecture = federatedArchitecture(this.intervalMinutes, { horizons: this.options.horizons, lags: DEFAULT_RESIDUAL_ENSEMBLE.lags });
          const fetched = await federation.client
            .fetchWarmStart(this.crossingId, architecture)
            .catch((error): WarmStartFetch => ({ status: 'unavailable', reason: `the city link failed: ${(error as Error).message}` }));
          if (fetched.status !== 'received') return this.noteWarmStart(fetched.status, fetched.reason, null);
          trained = await coldStart(input, fetched.snapshot, { horizons: this.options.horizons }, { fineTuneEpochs: federation.options.fineTuneEpochs });
          this.noteWarmStart('used', null, fetched.contributors);
          this.intervalsAtLastTraining = n;
        } else {
          trained = await ResidualEnsembleForecaster.train(input, { horizons: this.options.horizons, epochs: this.options.trainEpochs, ...(this.options.trainMinSteps !== undefined ? { minTrainingSteps: this.options.trainMinSteps } : {}) });
        }
        const previous = this.model;
        this.model = trained;
        this.intervals = trained.adaptiveIntervals();
        this.recentErrors = [];
        this.pendingCheck = null;
        this.modelVersion += 1;
        previous?.dispose();
        const seconds = (this.clock.now().getTime() - started) / 1000;
        const how = kind === 'warm' ? `warm-started from the city's average of ${this.lastWarmStart?.contributors ?? '?'} crossings' models and fine-tuned` : 'trained';
        this.logger.log(
          `${this.crossingId}: model v${this.modelVersion} ${how} on ${values.length} intervals in ${seconds.toFixed(1)} s, validation MAE by horizon ${trained.validationMae.map((m) => m.toFixed(1)).join(' / ')}`,
        );
        // Only the crossing's own models are shared: a warm-started one is mostly the city's average.
        if (kind === 'full' && this.federation?.options.shareSnapshots) {
          this.federation.client.publishSnapshot(this.crossingId, this.modelVersion, exportSnapshot(trained, this.intervalMinutes));
        }
        await this.onModelTrained(this, await trained.serialize(), this.modelVersion);
      })
      .catch((error) => {
        this.logger.warn(`${this.crossingId}: ${kind === 'warm' ? 'warm start' : 'training'} failed: ${(error as Error).message}`);
        if (kind === 'warm') this.noteWarmStart('unavailable', `building the model failed: ${(error as Error).message}`, null);
      })
      .finally(() => {
        this.training = false;
      });
  }

  /**
   * Keeps the warm-start outcome and says why there is none when that changes: the worker
   * then forecasts with the seasonal-naive baseline, asks again every few intervals, and
   * trains its own model from scratch once it has minTrainIntervals of history.
   */
  private noteWarmStart(status: WarmStartState['status'], reason: string | null, contributors: number | null): void {
    const previous = this.lastWarmStart;
    this.lastWarmStart = { status, reason, contributors, at: this.clock.now().toISOString() };
    if (status === 'used' || (previous?.status === status && previous.reason === reason)) return;
    const then = `forecasting with the seasonal-naive baseline, asking again every ${WARM_START_RETRY_INTERVALS} intervals, and training its own model from scratch at ${this.options.minTrainIntervals} intervals`;
    if (status === 'refused') this.logger.warn(`${this.crossingId}: warm start refused (${reason}); ${then}`);
    else this.logger.log(`${this.crossingId}: no warm start from the city (${reason}); ${then}`);
  }

  private series(): IntervalSeries {
    return { intervalMinutes: this.intervalMinutes, approaches: this.approaches, firstIntervalStartMs: this.firstIntervalStartMs as number, values: this.values };
  }

  private resetHistory(): void {
    this.intervals = this.model ? this.model.adaptiveIntervals() : null;
    this.values = [];
    this.firstIntervalStartMs = null;
    this.intervalsAtLastTraining = 0;
    this.lastReportedIntervalStartMs = null;
    this.heldJump = null;
  }
}
