import { Logger } from '@nestjs/common';
import { Queue } from 'bullmq';
import { SIMULATION_REPORT_QUEUE, SimulationReport, signMessage } from '@crosscast/contracts';
import { redisConnectionOptions } from '@crosscast/runtime';

/** Unconsumed reports older than this (wall clock) are dropped, so Redis does not fill up while nothing consumes them. */
const KEEP_WAITING_MS = 3_600_000;

/** Publishes a SimulationReport per simulated interval for fusion to store (job id = run + interval: idempotent). */
export class SimulationReportPublisher {
  private readonly logger = new Logger('sim-reports');
  private readonly queue: Queue;
  private published = 0;

  constructor(
    redisUrl: string,
    prefix: string,
    private readonly linkKey: Buffer,
  ) {
    this.queue = new Queue(SIMULATION_REPORT_QUEUE, { connection: { ...redisConnectionOptions(redisUrl), maxRetriesPerRequest: null }, prefix });
    this.queue.on('error', (error) => this.logger.warn(`queue error: ${error.message}`));
  }

  async publish(report: SimulationReport): Promise<void> {
    const jobId = `${report.runId}-${Date.parse(report.intervalStart)}`.replace(/[^A-Za-z0-9_-]/g, '_');
    // Signed with the link key: fusion stores only reports the simulator made.
    await this.queue.add('simulation-report', signMessage(report, this.linkKey), { jobId, removeOnComplete: { count: 1000 } });
    if (++this.published % 100 === 0) await this.queue.clean(KEEP_WAITING_MS, 10_000, 'wait');
  }

  async close(): Promise<void> {
    await this.queue.close();
  }
}
