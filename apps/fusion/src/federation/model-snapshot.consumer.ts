import { Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { UnrecoverableError } from 'bullmq';
import { MODEL_SNAPSHOT_QUEUE } from '@crosscast/contracts';
import { QueueRepository } from '../repositories/queue.repository';
import { FederationService } from './federation.service';

/**
 * Consumes workers' model snapshots (a few per crossing per day). A refused snapshot fails
 * its job without retry (kept, beside its dead-letter row); a database error is retried.
 */
@Injectable()
export class ModelSnapshotConsumer implements OnApplicationBootstrap {
  private readonly logger = new Logger(ModelSnapshotConsumer.name);

  constructor(
    private readonly queues: QueueRepository,
    private readonly federation: FederationService,
  ) {}

  onApplicationBootstrap(): void {
    this.queues.startWorker(
      MODEL_SNAPSHOT_QUEUE,
      async (job) => {
        const outcome = await this.federation.ingest(job.id ?? `${job.name}:${job.timestamp}`, job.data);
        if (outcome.status === 'rejected') throw new UnrecoverableError(outcome.reason);
        return outcome;
      },
      { concurrency: 4, removeOnComplete: { count: 100 } },
    );
    this.logger.log(`consuming ${MODEL_SNAPSHOT_QUEUE}`);
  }
}
