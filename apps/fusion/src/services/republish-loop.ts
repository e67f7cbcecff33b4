import { Logger } from '@nestjs/common';

/**
 * Accepted plans that did not reach the queue (Redis was down) are sent again: every
 * `everyMs`, oldest first, one round at a time, a round stopping at the first that still
 * fails. The decision services (single crossings, corridors) each run one; a failure is
 * logged and retried at the next round. Plain logic over the two callbacks.
 */
export class RepublishLoop<T> {
  private timer: NodeJS.Timeout | null = null;
  private running = false;

  constructor(
    private readonly what: string,
    private readonly everyMs: number,
    /** The decisions still to publish, oldest first. */
    private readonly pending: () => Promise<T[]>,
    /** Publishes one; true when it reached the queue. */
    private readonly publish: (item: T) => Promise<boolean>,
    private readonly logger: Logger,
  ) {}

  start(): void {
    this.timer = setInterval(() => void this.run(), this.everyMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
  }

  /** One round; returns how many were sent. */
  async run(): Promise<number> {
    if (this.running) return 0;
    this.running = true;
    let sent = 0;
    try {
      for (const item of await this.pending()) {
        if (await this.publish(item)) sent++;
        else break;
      }
    } catch (error) {
      this.logger.warn(`republishing ${this.what} failed: ${(error as Error).message}`);
    } finally {
      this.running = false;
    }
    return sent;
  }
}
