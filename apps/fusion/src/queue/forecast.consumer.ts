import { Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { Job, UnrecoverableError } from 'bullmq';
import { FORECAST_QUEUE, HEARTBEAT_QUEUE, forecastRetryDelayMs } from '@crosscast/contracts';
import { FUSION_CONFIG, FusionConfig } from '../config';
import { QueueRepository, takeReceivedText } from '../repositories/queue.repository';
import { IngestEvents } from '../services/ingest-events';
import { CheckedForecast, IngestionService, IngestJob, IngestOutcome, IngestResult } from '../services/ingestion.service';
import { MessageCheckPool } from './message-check-pool';
import { MicroBatcher } from './micro-batcher';

/**
 * Consumes the forecast and heartbeat queues. Each BullMQ worker runs many jobs at once
 * (FORECAST_CONCURRENCY, HEARTBEAT_CONCURRENCY); a job hands its message to a micro-batcher
 * that writes up to INGEST_BATCH_SIZE messages in one transaction, at the latest
 * INGEST_BATCH_WAIT_MS after the first one arrived, and the job settles with its own
 * message's outcome, as soon as the batch is committed (planning follows on the leader,
 * PlanningService). BullMQ delivers at least once; the store is idempotent, so a
 * redelivery is harmless. A rejected message fails its job without retry (kept as
 * evidence, beside its dead-letter row); a database error fails the batch's jobs with retry.
 */
@Injectable()
export class QueueConsumers implements OnApplicationBootstrap {
  private readonly logger = new Logger(QueueConsumers.name);
  private readonly forecasts: MicroBatcher<CheckedForecast, IngestResult>;
  private readonly heartbeats: MicroBatcher<IngestJob, IngestResult>;
  /** Forecast jobs started as soon as they were fetched, until their processor takes the result. */
  private readonly started = new WeakMap<Job, Promise<IngestResult>>();

  constructor(
    @Inject(FUSION_CONFIG) private readonly config: FusionConfig,
    private readonly queues: QueueRepository,
    private readonly ingestion: IngestionService,
    private readonly checks: MessageCheckPool,
    private readonly events: IngestEvents,
  ) {
    // Batches of forecasts lock their crossings' rows: INGEST_BATCH_CONCURRENCY at once (the
    // next gathers what arrived meanwhile). Heartbeats, one batch at a time.
    const batching = { maxItems: config.INGEST_BATCH_SIZE, maxWaitMs: config.INGEST_BATCH_WAIT_MS };
    this.forecasts = new MicroBatcher((checked) => this.ingestion.storeCheckedForecasts(checked), { ...batching, maxConcurrentFlushes: config.INGEST_BATCH_CONCURRENCY });
    this.heartbeats = new MicroBatcher((jobs) => this.ingestion.ingestHeartbeats(jobs), { ...batching, maxConcurrentFlushes: 1 });
  }

  onApplicationBootstrap(): void {
    const { workers, concurrencyEach } = splitConcurrency(this.config.FORECAST_CONCURRENCY, this.config.FORECAST_WORKERS);
    // A forecast is checked and joins a batch as soon as its job is fetched (the worker would
    // first fetch every job it may hold); its processor then waits for the same outcome.
    const startForecast = (job: Job) => {
      if (!this.started.has(job)) this.started.set(job, this.settleForecast(job));
    };
    const processForecast = async (job: Job) => {
      const early = this.started.get(job);
      this.started.delete(job);
      return outcomeOf(await (early ?? this.settleForecast(job)));
    };
    for (let i = 0; i < workers; i++) {
      this.queues.startWorker(FORECAST_QUEUE, processForecast, {
        concurrency: concurrencyEach,
        // A job whose fusion process died mid-way (SIGKILL, power) "stalls" and goes back to
        // the queue when its lock expires. BullMQ fails it after maxStalledCount stalls (default
        // 1); a forecast must survive any number of crashes, and the store is idempotent.
        maxStalledCount: 1000,
        settings: { backoffStrategy: (attemptsMade: number) => forecastRetryDelayMs(attemptsMade) },
      }, startForecast);
    }
    // In parallel and in batches: the store keeps each crossing's newest heartbeat whatever
    // order they are written in.
    this.queues.startWorker(HEARTBEAT_QUEUE, (job) => this.handleHeartbeat(job), {
      concurrency: this.config.HEARTBEAT_CONCURRENCY,
      removeOnComplete: { count: 100 },
    });
    this.logger.log(
      `consuming ${FORECAST_QUEUE} (${workers} workers, ${workers * concurrencyEach} at once, ${this.config.INGEST_BATCH_CONCURRENCY} batch(es) at a time) and ${HEARTBEAT_QUEUE} (${this.config.HEARTBEAT_CONCURRENCY}), batches of up to ${this.config.INGEST_BATCH_SIZE}, ${this.checks.threadCount || 'no'} checker thread(s) (prefix ${this.config.QUEUE_PREFIX})`,
    );
  }

  /**
   * Checked as it arrives (schema and signature on a checker thread, MessageCheckPool; then
   * the city and the clock; a refusal settles it at once), stored in the next batch. Never
   * rejects: an error becomes a `retry` result, thrown by the processor (it may run before
   * the processor awaits it).
   */
  private async settleForecast(job: Job): Promise<IngestResult> {
    this.events.forecastTaken();
    try {
      const verdict = await this.checks.verdict('forecast', job.data, takeReceivedText(job));
      const checked = await this.ingestion.checkForecastJob({ queue: FORECAST_QUEUE, jobId: job.id ?? `${job.name}:${job.timestamp}`, data: job.data, verdict });
      if ('result' in checked) return checked.result;
      return await this.forecasts.add(checked);
    } catch (error) {
      return { status: 'retry', error: error as Error };
    } finally {
      this.events.forecastSettled();
    }
  }

  private async handleHeartbeat(job: Job): Promise<IngestOutcome> {
    const verdict = await this.checks.verdict('heartbeat', job.data, takeReceivedText(job));
    return outcomeOf(await this.heartbeats.add({ queue: HEARTBEAT_QUEUE, jobId: job.id ?? `${job.name}:${job.timestamp}`, data: job.data, verdict }));
  }
}

/**
 * FORECAST_CONCURRENCY jobs in flight over at most FORECAST_WORKERS BullMQ workers: never
 * more workers than jobs (FORECAST_CONCURRENCY 1 is one job at a time), each with an equal
 * share rounded up.
 */
export function splitConcurrency(concurrency: number, workers: number): { workers: number; concurrencyEach: number } {
  const count = Math.max(1, Math.min(workers, concurrency));
  return { workers: count, concurrencyEach: Math.ceil(concurrency / count) };
}

/** A job's return value, or the error it fails with: retried, or (rejected) kept as failed without retry. */
function outcomeOf(result: IngestResult): IngestOutcome {
  if (result.status === 'retry') throw result.error;
  if (result.status === 'rejected') throw new UnrecoverableError(result.reason);
  return result;
}
