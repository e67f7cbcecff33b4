import { Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { UnrecoverableError } from 'bullmq';
import { SIGNAL_EVENT_LOG_QUEUE } from '@crosscast/contracts';
import { QueueRepository } from '../repositories/queue.repository';
import { SignalEventLogService } from './signal-event-log.service';

/**
 * Consumes the simulator's controller event logs (simulate mode). Bad logs fail without
 * retry (kept, with a dead-letter row); database errors fail with BullMQ's retries.
 */
@Injectable()
export class SignalEventLogConsumer implements OnApplicationBootstrap {
  private readonly logger = new Logger(SignalEventLogConsumer.name);

  constructor(
    private readonly queues: QueueRepository,
    private readonly logs: SignalEventLogService,
  ) {}

  onApplicationBootstrap(): void {
    this.queues.startWorker(
      SIGNAL_EVENT_LOG_QUEUE,
      async (job) => {
        const outcome = await this.logs.ingest(job.id ?? `${job.name}:${job.timestamp}`, job.data);
        if (outcome.status === 'rejected') throw new UnrecoverableError(outcome.reason);
        return outcome;
      },
      { concurrency: 4, removeOnComplete: { count: 100 } },
    );
    this.logger.log(`consuming ${SIGNAL_EVENT_LOG_QUEUE}`);
  }
}
