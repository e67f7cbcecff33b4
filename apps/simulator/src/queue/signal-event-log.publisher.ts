import { Logger } from '@nestjs/common';
import { Queue } from 'bullmq';
import { SIGNAL_EVENT_LOG_QUEUE, SignalEventLogMessage, signMessage } from '@crosscast/contracts';
import { redisConnectionOptions } from '@crosscast/runtime';

/** Unconsumed logs older than this (wall clock) are dropped, so Redis does not fill up while nothing consumes them. */
const KEEP_WAITING_MS = 3_600_000;

/**
 * Publishes each crossing's controller event log per simulated interval for fusion to
 * store and compute the performance measures from (job id = run + crossing + interval:
 * idempotent), signed with the simulator link key.
 */
export class SignalEventLogPublisher {
  private readonly logger = new Logger('signal-event-logs');
  private readonly queue: Queue;
  private published = 0;

  constructor(
    redisUrl: string,
    prefix: string,
    private readonly linkKey: Buffer,
  ) {
    this.queue = new Queue(SIGNAL_EVENT_LOG_QUEUE, { connection: { ...redisConnectionOptions(redisUrl), maxRetriesPerRequest: null }, prefix });
    this.queue.on('error', (error) => this.logger.warn(`queue error: ${error.message}`));
  }

  async publish(logs: SignalEventLogMessage[]): Promise<void> {
    if (logs.length === 0) return;
    await this.queue.addBulk(
      logs.map((log) => ({
        name: 'signal-event-log',
        data: signMessage(log, this.linkKey),
        opts: { jobId: signalEventLogJobId(log), removeOnComplete: { count: 1000 } },
      })),
    );
    this.published += 1;
    if (this.published % 100 === 0) await this.queue.clean(KEEP_WAITING_MS, 10_000, 'wait');
  }

  async close(): Promise<void> {
    await this.queue.close();
  }
}

export function signalEventLogJobId(log: Pick<SignalEventLogMessage, 'runId' | 'crossingId' | 'intervalStart'>): string {
  return `${log.runId}-${log.crossingId}-${Date.parse(log.intervalStart)}`.replace(/[^A-Za-z0-9_-]/g, '_');
}
