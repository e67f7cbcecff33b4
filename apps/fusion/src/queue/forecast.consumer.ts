import { Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { Job, UnrecoverableError } from 'bullmq';
import { FORECAST_QUEUE, HEARTBEAT_QUEUE, forecastRetryDelayMs } from '@crosscast/contracts';
import { FUSION_CONFIG, FusionConfig } from '../config';
import { QueueRepository } from '../repositories/queue.repository';
import { IngestionService, IngestOutcome } from '../services/ingestion.service';

/**
 * Consumes the forecast and heartbeat queues. BullMQ delivers at least once; the store is
 * idempotent, so a redelivery is harmless. A rejected message fails its job without retry
 * (kept as evidence, beside its dead-letter row); a database error fails it with retry.
 */
@Injectable()
export class QueueConsumers implements OnApplicationBootstrap {
  private readonly logger = new Logger(QueueConsumers.name);

  constructor(
    @Inject(FUSION_CONFIG) private readonly config: FusionConfig,
    private readonly queues: QueueRepository,
    private readonly ingestion: IngestionService,
  ) {}

  onApplicationBootstrap(): void {
    this.queues.startWorker(FORECAST_QUEUE, (job) => this.handle(FORECAST_QUEUE, job, (q, id, data) => this.ingestion.ingestForecast(q, id, data)), {
      concurrency: this.config.FORECAST_CONCURRENCY,
      // A job whose fusion process died mid-way (SIGKILL, power) "stalls" and goes back to
      // the queue when its lock expires. BullMQ fails it after maxStalledCount stalls (default
      // 1); a forecast must survive any number of crashes, and the store is idempotent.
      maxStalledCount: 1000,
      settings: { backoffStrategy: (attemptsMade: number) => forecastRetryDelayMs(attemptsMade) },
    });
    // One at a time, so the newest heartbeat of a crossing is always the last written.
    this.queues.startWorker(HEARTBEAT_QUEUE, (job) => this.handle(HEARTBEAT_QUEUE, job, (q, id, data) => this.ingestion.ingestHeartbeat(q, id, data)), {
      concurrency: 1,
      removeOnComplete: { count: 100 },
    });
    this.logger.log(`consuming ${FORECAST_QUEUE} and ${HEARTBEAT_QUEUE} (prefix ${this.config.QUEUE_PREFIX})`);
  }

  private async handle(queue: string, job: Job, ingest: (queue: string, jobId: string, data: unknown) => Promise<IngestOutcome>): Promise<IngestOutcome> {
    const outcome = await ingest(queue, job.id ?? `${job.name}:${job.timestamp}`, job.data);
    if (outcome.status === 'rejected') throw new UnrecoverableError(outcome.reason);
    return outcome;
  }
}
