import { BeforeApplicationShutdown, Inject, Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import type * as http from 'node:http';
import * as path from 'node:path';
import { CityDefinition } from '@crosscast/contracts';
import { loadCityDefinition } from '@crosscast/seed';
import { ConfigError, selectTfBackend, startHealthServer } from '@crosscast/runtime';
import { EDGE_CONFIG, EdgeWorkerConfig } from '../config';
import { CrossingWorker, TrainingRunner, WorkerFederation } from '../crossing-worker';
import { DetectorFeedRepository, FeedBatch } from '../repositories/detector-feed.repository';
import { MessagePublisherRepository } from '../repositories/message-publisher.repository';
import { StateStoreRepository } from '../repositories/state-store.repository';
import { WarmStartClientRepository } from '../repositories/warm-start-client.repository';

const SAVE_STATE_EVERY_BATCHES = 8;

/** One training at a time per process: training yields between batches, forecasting goes on. */
class SerialTrainingRunner implements TrainingRunner {
  private tail: Promise<unknown> = Promise.resolve();

  run<T>(job: () => Promise<T>): Promise<T> {
    const result = this.tail.then(job, job);
    this.tail = result.catch(() => undefined);
    return result;
  }
}

/**
 * Hosts one or more independent crossing workers in this process (one per container in
 * production, all 40 in the demo). They share only plumbing: the Redis connection that
 * reads their detector streams, the BullMQ producer, and the training slot.
 */
@Injectable()
export class WorkerHostService implements BeforeApplicationShutdown, OnApplicationShutdown {
  private readonly logger = new Logger('edge-worker');
  readonly workers = new Map<string, CrossingWorker>();
  private readonly batchesSinceSave = new Map<string, number>();
  private heartbeatTimer: NodeJS.Timeout | null = null;
  private feedLoop: Promise<void> | null = null;
  private healthServer: http.Server | null = null;
  backend = 'unknown';
  city: CityDefinition;

  constructor(
    @Inject(EDGE_CONFIG) private readonly config: EdgeWorkerConfig,
    private readonly feed: DetectorFeedRepository,
    private readonly publisher: MessagePublisherRepository,
    private readonly stateStore: StateStoreRepository,
    private readonly warmStart: WarmStartClientRepository,
  ) {}

  async start(): Promise<void> {
    this.city = loadCityDefinition(path.resolve(this.config.CITY_DIR));
    const selected = this.config.crossingSelection === 'all' ? this.city.crossings : this.config.crossingSelection.map((id) => {
      const crossing = this.city.crossings.find((c) => c.id === id);
      if (!crossing) throw new Error(`crossing ${id} is not in ${this.config.CITY_DIR} (known: ${this.city.crossings.map((c) => c.id).join(', ')})`);
      return crossing;
    });
    // The model needs a day of lags, a day of training origins, a day held out, the horizons.
    const day = Math.ceil((24 * 60) / this.city.intervalMinutes);
    const minimumTrainable = 2 * day + this.config.HORIZONS + 8;
    if (this.config.MIN_TRAIN_INTERVALS < minimumTrainable) {
      throw new ConfigError(`edge-worker: invalid configuration\n  MIN_TRAIN_INTERVALS: must be at least ${minimumTrainable} for ${this.city.intervalMinutes}-minute intervals (two days, the horizons and 8)`);
    }
    const missing = this.publisher.missingKeys(selected.map((c) => c.id));
    if (missing.length) {
      throw new ConfigError(`edge-worker: no signing key for crossing ${missing.join(', ')} in WORKER_KEYS_FILE ${this.config.WORKER_KEYS_FILE}`);
    }
    this.backend = await selectTfBackend(this.config.TFJS_BACKEND, (m) => this.logger.log(m));
    const restoredOutbox = await this.publisher.restoreOutbox();
    if (restoredOutbox > 0) this.logger.log(`${restoredOutbox} forecasts from the local outbox queued for delivery`);

    const trainer = new SerialTrainingRunner();
    const clock = { now: () => new Date() };
    const log = { log: (m: string) => this.logger.log(m), warn: (m: string) => this.logger.warn(m) };
    // Federated warm start: snapshots go out on the queue, the city's average comes back through Redis.
    const federationClient: WorkerFederation = {
      fetchWarmStart: (crossingId, architecture) => this.warmStart.fetch(crossingId, architecture),
      publishSnapshot: (crossingId, modelVersion, snapshot) =>
        void this.publisher.publishSnapshot({ v: 1, crossingId, sentAt: clock.now().toISOString(), modelVersion, snapshot }),
    };
    const federation = {
      client: federationClient,
      options: {
        warmStart: this.warmStart.enabled,
        warmStartMinIntervals: this.config.WARM_START_MIN_INTERVALS,
        fineTuneEpochs: this.config.WARM_START_FINE_TUNE_EPOCHS,
        shareSnapshots: this.config.SHARE_MODEL_SNAPSHOTS,
      },
    };
    for (const note of this.config.ignored) this.logger.warn(note);
    this.logger.log(
      this.warmStart.enabled
        ? `federated warm start from the city's average in Redis for crossings with ${this.config.WARM_START_MIN_INTERVALS}+ intervals of history`
        : 'federated warm start off (WARM_START=false)',
    );
    for (const crossing of selected) {
      const worker = new CrossingWorker(
        crossing,
        this.city.intervalMinutes,
        this.city.timeZone,
        this.backend,
        {
          horizons: this.config.HORIZONS,
          minTrainIntervals: this.config.MIN_TRAIN_INTERVALS,
          retrainEveryIntervals: this.config.RETRAIN_EVERY_INTERVALS,
          historyLimitIntervals: this.config.HISTORY_LIMIT_INTERVALS,
          trainEpochs: this.config.TRAIN_EPOCHS,
          trainMinSteps: this.config.TRAIN_MIN_STEPS,
          cleaning: this.config.cleaning,
        },
        this.publisher,
        trainer,
        clock,
        log,
        async (w, model, version) => {
          await this.stateStore.saveModel(w.crossingId, version, model);
          await this.stateStore.saveState(w.snapshot());
        },
        federation,
      );
      const saved = await this.stateStore.loadState(crossing.id).catch((error) => {
        this.logger.warn(`${crossing.id}: saved state unreadable (${(error as Error).message}); starting afresh`);
        return null;
      });
      if (saved) await worker.restore(saved.state, saved.model);
      const journalled = this.publisher.highestSeqFor(crossing.id);
      if (journalled !== null) worker.continueSequenceAfter(journalled);
      this.workers.set(crossing.id, worker);
    }
    const restored = [...this.workers.values()].filter((w) => w.historyIntervals > 0).length;
    this.logger.log(`hosting ${this.workers.size} crossing worker(s) (${restored} restored from ${path.resolve(this.config.DATA_DIR)})`);

    this.heartbeatTimer = setInterval(() => void this.sendHeartbeats(), this.config.HEARTBEAT_SECONDS * 1000);
    void this.sendHeartbeats();
    const cursors = new Map([...this.workers.values()].map((w) => [w.crossingId, w.streamCursor]));
    this.feedLoop = this.feed.run(cursors, (batch) => this.onBatch(batch)).catch((error) => {
      this.logger.error(`detector feed stopped: ${(error as Error).message}`);
    });
  }

  private async onBatch(batch: FeedBatch): Promise<void> {
    const worker = this.workers.get(batch.crossingId);
    if (!worker) return;
    let appended = 0;
    for (const reading of batch.readings) if (worker.accept(reading) === 'appended') appended++;
    worker.streamCursor = batch.lastId;
    // Forecast once per batch, after its newest interval: a worker catching up on a
    // backlog forecasts from where the street is now, not for every old interval (the
    // older intervals' observations travel with that forecast).
    if (appended > 0) worker.forecastLatest();
    const count = (this.batchesSinceSave.get(worker.crossingId) ?? 0) + 1;
    if (count >= SAVE_STATE_EVERY_BATCHES) {
      this.batchesSinceSave.set(worker.crossingId, 0);
      await this.stateStore.saveState(worker.snapshot()).catch((error) => this.logger.warn(`${worker.crossingId}: state not saved: ${(error as Error).message}`));
    } else {
      this.batchesSinceSave.set(worker.crossingId, count);
    }
  }

  private async sendHeartbeats(): Promise<void> {
    for (const worker of this.workers.values()) await this.publisher.publishHeartbeat(worker.nextHeartbeat(this.publisher.buffered));
  }

  health() {
    return {
      status: 'ok',
      backend: this.backend,
      buffered: this.publisher.buffered,
      sent: this.publisher.sent,
      bufferedBytes: this.publisher.bufferedBytes,
      dropped: this.publisher.dropped,
      observationsLost: this.publisher.observationsLost,
      crossings: [...this.workers.values()].map((w) => {
        const hb = w.describe(this.publisher.buffered);
        return {
          crossingId: w.crossingId,
          nextSeq: w.nextSeq,
          status: hb.status,
          historyIntervals: hb.historyIntervals,
          lastIntervalStart: hb.lastIntervalStart,
          model: hb.model,
          training: hb.training,
          drift: hb.drift,
          warmStart: w.warmStartState,
        };
      }),
    };
  }

  /** A container's health check: the process is alive (always 200), and its workers' state. */
  startHealthServer(port: number, host: string): void {
    this.healthServer = startHealthServer(port, () => ({ ok: true, body: this.health() }), host);
    this.logger.log(`health on http://${host}:${port}/health`);
  }

  /**
   * Stops in the order that loses nothing: no new readings, then everything forecast so
   * far handed to Redis (what Redis did not take stays in the outbox journal), then each
   * worker's state saved with its cursor. The publisher closes after this.
   */
  async beforeApplicationShutdown(): Promise<void> {
    this.healthServer?.close();
    if (this.heartbeatTimer) clearInterval(this.heartbeatTimer);
    this.feed.stop();
    await this.feedLoop;
    await this.publisher.drainOrPersist(5000);
    await Promise.allSettled([...this.workers.values()].map((w) => this.stateStore.saveState(w.snapshot())));
  }

  onApplicationShutdown(): void {
    for (const worker of this.workers.values()) worker.dispose();
  }
}
