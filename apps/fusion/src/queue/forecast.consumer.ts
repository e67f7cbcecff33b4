import { Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { Job, UnrecoverableError } from 'bullmq';
import { FORECAST_QUEUE, HEARTBEAT_QUEUE, forecastRetryDelayMs } from '@crosscast/contracts';
import { FUSION_CONFIG, FusionConfig } from '../config';
import { QueueRepository } from '../repositories/queue.repository';
import { CheckedForecast, IngestionService, IngestJob, IngestOutcome, IngestResult } from '../services/ingestion.service';
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

  constructor(
    @Inject(FUSION_CONFIG) private readonly config: FusionConfig,
    private readonly queues: QueueRepository,
    private readonly ingestion: IngestionService,
  ) {
    // Batches of forecasts lock their crossings' rows: two at once would mostly wait on each
    // other, so one is written at a time (and the next gathers what arrived meanwhile).
    const batching = { maxItems: config.INGEST_BATCH_SIZE, maxWaitMs: config.INGEST_BATCH_WAIT_MS, maxConcurrentFlushes: 1 };
    this.forecasts = new MicroBatcher((checked) => this.ingestion.storeCheckedForecasts(checked), batching);
    this.heartbeats = new MicroBatcher((jobs) => this.ingestion.ingestHeartbeats(jobs), batching);
  }

  onApplicationBootstrap(): void {
    this.queues.startWorker(FORECAST_QUEUE, (job) => this.handleForecast(job), {
      concurrency: this.config.FORECAST_CONCURRENCY,
      // A job whose fusion process died mid-way (SIGKILL, power) "stalls" and goes back to
      // the queue when its lock expires. BullMQ fails it after maxStalledCount stalls (default
      // 1); a forecast must survive any number of crashes, and the store is idempotent.
      maxStalledCount: 1000,
      settings: { backoffStrategy: (attemptsMade: number) => forecastRetryDelayMs(attemptsMade) },
    });
    // In parallel and in batches: the store keeps each crossing's newest heartbeat whatever
    // order they are written in.
    this.queues.startWorker(HEARTBEAT_QUEUE, (job) => this.handle(HEARTBEAT_QUEUE, job, this.heartbeats), {
      concurrency: this.config.HEARTBEAT_CONCURRENCY,
      removeOnComplete: { count: 100 },
    });
    this.logger.log(
      `consuming ${FORECAST_QUEUE} (${this.config.FORECAST_CONCURRENCY} at once) and ${HEARTBEAT_QUEUE} (${this.config.HEARTBEAT_CONCURRENCY}), batches of up to ${this.config.INGEST_BATCH_SIZE} (prefix ${this.config.QUEUE_PREFIX})`,
    );
  }

  /** Checked as it arrives (a refusal settles it at once), stored in the next batch. */
  private async handleForecast(job: Job): Promise<IngestOutcome> {
    const checked = await this.ingestion.checkForecastJob({ queue: FORECAST_QUEUE, jobId: job.id ?? `${job.name}:${job.timestamp}`, data: job.data });
    if ('result' in checked) return outcomeOf(checked.result);
    return outcomeOf(await this.forecasts.add(checked));
  }

  private async handle(queue: string, job: Job, batcher: MicroBatcher<IngestJob, IngestResult>): Promise<IngestOutcome> {
    return outcomeOf(await batcher.add({ queue, jobId: job.id ?? `${job.name}:${job.timestamp}`, data: job.data }));
  }
}

/** A job's return value, or the error it fails with: retried, or (rejected) kept as failed without retry. */
function outcomeOf(result: IngestResult): IngestOutcome {
  if (result.status === 'retry') throw result.error;
  if (result.status === 'rejected') throw new UnrecoverableError(result.reason);
  return result;
}
