import { Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { UnrecoverableError } from 'bullmq';
import { SIMULATION_REPORT_QUEUE } from '@crosscast/contracts';
import { QueueRepository } from '../repositories/queue.repository';
import { SimulationMeasurementsService } from '../services/simulation-measurements.service';

/**
 * Consumes the simulator's measurement reports (simulate mode), one at a time so a
 * crossing's intervals are stored in order. Bad reports fail without retry (kept, with a
 * dead-letter row); database errors fail with BullMQ's retries.
 */
@Injectable()
export class SimulationReportConsumer implements OnApplicationBootstrap {
  private readonly logger = new Logger(SimulationReportConsumer.name);

  constructor(
    private readonly queues: QueueRepository,
    private readonly simulation: SimulationMeasurementsService,
  ) {}

  onApplicationBootstrap(): void {
    this.queues.startWorker(
      SIMULATION_REPORT_QUEUE,
      async (job) => {
        const outcome = await this.simulation.ingest(job.id ?? `${job.name}:${job.timestamp}`, job.data);
        if (outcome.status === 'rejected') throw new UnrecoverableError(outcome.reason);
        return outcome;
      },
      { concurrency: 1, removeOnComplete: { count: 100 } },
    );
    this.logger.log(`consuming ${SIMULATION_REPORT_QUEUE}`);
  }
}
