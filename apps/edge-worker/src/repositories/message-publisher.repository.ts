import { Inject, Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import { Queue } from 'bullmq';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import IORedis from 'ioredis';
import { FORECAST_BACKOFF, FORECAST_QUEUE, ForecastMessage, HEARTBEAT_QUEUE, UnsignedForecastMessage, UnsignedHeartbeatMessage, signMessage } from '@crosscast/contracts';
import { WORKER_KEYS, WorkerKeys } from '@crosscast/runtime';
import { redisConnectionOptions } from '@crosscast/runtime';
import { EDGE_CONFIG, EdgeWorkerConfig } from '../config';
import { readJson, writeAtomic } from './local-files';

/**
 * Sends forecasts and heartbeats to the city over BullMQ. Forecasts go through an
 * in-order buffer, so a worker keeps forecasting while Redis is unreachable and delivers
 * in order when it returns. The buffer holds BUFFER_LIMIT messages in memory; when it is
 * full the oldest are dropped and counted. What is still unsent at shutdown is written to
 * `<DATA_DIR>/outbox.json` and sent first after the restart. Each
 * job's id is the forecast's message id, and the fusion store is idempotent, so a resend
 * is stored once.
 */
@Injectable()
export class MessagePublisherRepository implements OnApplicationShutdown {
  private readonly logger = new Logger('publisher');
  private readonly connection: IORedis;
  private readonly forecasts: Queue;
  private readonly heartbeats: Queue;
  private readonly buffer: ForecastMessage[] = [];
  private draining = false;
  private closed = false;
  dropped = 0;
  sent = 0;

  constructor(
    @Inject(EDGE_CONFIG) private readonly config: EdgeWorkerConfig,
    @Inject(WORKER_KEYS) private readonly keys: WorkerKeys,
  ) {
    this.connection = new IORedis({ ...redisConnectionOptions(config.REDIS_URL), maxRetriesPerRequest: null });
    this.connection.on('error', () => undefined);
    this.forecasts = new Queue(FORECAST_QUEUE, { connection: this.connection, prefix: config.QUEUE_PREFIX });
    this.heartbeats = new Queue(HEARTBEAT_QUEUE, { connection: this.connection, prefix: config.QUEUE_PREFIX });
    this.forecasts.on('error', () => undefined);
    this.heartbeats.on('error', () => undefined);
    this.logger.log(`signing keys: ${this.keys.source}`);
  }

  /** Crossings of `ids` that have no signing key (checked at start: such a worker must not run). */
  missingKeys(ids: string[]): string[] {
    return ids.filter((id) => !this.keys.keyFor(id));
  }

  /** Signs with the crossing's own key; a worker without one must not publish at all. */
  private sign<T extends { crossingId: string }>(message: T): T & { sig: string } {
    const key = this.keys.keyFor(message.crossingId);
    if (!key) throw new Error(`no signing key for crossing ${message.crossingId} in ${this.keys.source}`);
    return signMessage(message, key);
  }

  get buffered(): number {
    return this.buffer.length;
  }

  publishForecast(unsigned: UnsignedForecastMessage): void {
    const message = this.sign(unsigned);
    this.buffer.push(message);
    if (this.buffer.length > this.config.BUFFER_LIMIT) {
      // Never the message being sent right now (index 0 while draining): the next oldest.
      this.buffer.splice(this.draining ? 1 : 0, 1);
      this.dropped++;
      if (this.dropped === 1 || this.dropped % 1000 === 0) this.logger.warn(`buffer full (${this.config.BUFFER_LIMIT}); dropped ${this.dropped} oldest forecasts so far`);
    }
    void this.drain();
  }

  /** Heartbeats are not buffered: only the newest one matters. */
  async publishHeartbeat(heartbeat: UnsignedHeartbeatMessage): Promise<void> {
    if (this.connection.status !== 'ready') return;
    await this.heartbeats.add('heartbeat', this.sign(heartbeat), { removeOnComplete: true, removeOnFail: 1000 }).catch(() => undefined);
  }

  /** Waits until everything buffered has been handed to Redis (or the timeout passes). */
  async flush(timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (this.buffer.length > 0 && Date.now() < deadline) await sleep(50);
    return this.buffer.length === 0;
  }

  private async drain(): Promise<void> {
    if (this.draining) return;
    this.draining = true;
    let backoffMs = 250;
    try {
      while (this.buffer.length > 0 && !this.closed) {
        const message = this.buffer[0];
        try {
          await this.forecasts.add('forecast', message, {
            jobId: message.messageId.replace(/:/g, '_'),
            // A database outage must not use up the attempts: fusion retries with a backoff
            // capped at 30 s (FORECAST_BACKOFF), so 10,000 attempts outlast days of outage.
            attempts: 10_000,
            backoff: { type: FORECAST_BACKOFF },
          });
          // Remove this message by identity: the buffer may have changed while sending.
          const index = this.buffer.indexOf(message);
          if (index >= 0) this.buffer.splice(index, 1);
          this.sent++;
          backoffMs = 250;
        } catch (error) {
          this.logger.warn(`forecast not sent yet (${(error as Error).message}); retrying in ${backoffMs} ms, ${this.buffer.length} buffered`);
          await sleep(backoffMs);
          backoffMs = Math.min(backoffMs * 2, 10_000);
        }
      }
    } finally {
      this.draining = false;
    }
  }

  /** At shutdown: send what is buffered, and write what could not be sent to the outbox. */
  async drainOrPersist(timeoutMs: number): Promise<void> {
    const sentAll = await this.flush(timeoutMs);
    this.closed = true;
    if (sentAll) {
      await fs.rm(this.outboxFile(), { force: true });
      return;
    }
    await writeAtomic(this.outboxFile(), JSON.stringify(this.buffer));
    this.logger.warn(`Redis unreachable at shutdown: ${this.buffer.length} forecasts kept in ${this.outboxFile()} for the next start`);
  }

  /** Queues the forecasts a previous run could not send, ahead of new ones. */
  async restoreOutbox(): Promise<number> {
    let saved: ForecastMessage[] | null;
    try {
      saved = await readJson<ForecastMessage[]>(this.outboxFile());
    } catch (error) {
      this.logger.warn(`outbox unreadable, ignored: ${(error as Error).message}`);
      return 0;
    }
    if (!saved) return 0;
    this.buffer.unshift(...saved.slice(-this.config.BUFFER_LIMIT));
    await fs.rm(this.outboxFile(), { force: true });
    void this.drain();
    return saved.length;
  }

  private outboxFile(): string {
    return path.resolve(this.config.DATA_DIR, 'outbox.json');
  }

  async onApplicationShutdown(): Promise<void> {
    this.closed = true;
    await Promise.allSettled([this.forecasts.close(), this.heartbeats.close()]);
    this.connection.disconnect();
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
