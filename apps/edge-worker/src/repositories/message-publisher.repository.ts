import { Inject, Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import { Queue } from 'bullmq';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import IORedis from 'ioredis';
import { FORECAST_BACKOFF, FORECAST_QUEUE, ForecastMessage, HEARTBEAT_QUEUE, MODEL_SNAPSHOT_QUEUE, UnsignedForecastMessage, UnsignedHeartbeatMessage, UnsignedModelSnapshotMessage, signMessage } from '@crosscast/contracts';
import { WORKER_KEYS, WorkerKeys } from '@crosscast/runtime';
import { redisConnectionOptions } from '@crosscast/runtime';
import { EDGE_CONFIG, EdgeWorkerConfig } from '../config';
import { readJson } from './local-files';
import { OutboxJournal } from './outbox-journal';

/**
 * Sends forecasts and heartbeats to the city over BullMQ (the city link, REDIS_URL).
 * Every forecast is first written durably to the outbox journal on the local disk
 * (`<DATA_DIR>/outbox.jsonl`, see OutboxJournal), then sent in order; the journal forgets
 * it once Redis has it. So a worker keeps forecasting while Redis is unreachable, a kill
 * or power cut loses nothing, and everything is delivered in order when Redis returns.
 * The journal is bounded (BUFFER_LIMIT forecasts, BUFFER_LIMIT_BYTES bytes): when full, the
 * oldest forecast is dropped and its observations ride on the crossing's next forecast.
 * Each job's id is the forecast's message id, and the fusion store is idempotent, so a
 * resend is stored once.
 */
@Injectable()
export class MessagePublisherRepository implements OnApplicationShutdown {
  private readonly logger = new Logger('publisher');
  private readonly connection: IORedis;
  private readonly forecasts: Queue;
  private readonly heartbeats: Queue;
  private readonly snapshots: Queue;
  private readonly journal: OutboxJournal;
  /** The message being handed to Redis right now: never dropped. */
  private inFlight: string | null = null;
  private draining = false;
  private closed = false;
  sent = 0;

  constructor(
    @Inject(EDGE_CONFIG) private readonly config: EdgeWorkerConfig,
    @Inject(WORKER_KEYS) private readonly keys: WorkerKeys,
  ) {
    this.connection = new IORedis({ ...redisConnectionOptions(config.REDIS_URL), maxRetriesPerRequest: null });
    this.connection.on('error', () => undefined);
    this.forecasts = new Queue(FORECAST_QUEUE, { connection: this.connection, prefix: config.QUEUE_PREFIX });
    this.heartbeats = new Queue(HEARTBEAT_QUEUE, { connection: this.connection, prefix: config.QUEUE_PREFIX });
    this.snapshots = new Queue(MODEL_SNAPSHOT_QUEUE, { connection: this.connection, prefix: config.QUEUE_PREFIX });
    this.snapshots.on('error', () => undefined);
    this.forecasts.on('error', () => undefined);
    this.heartbeats.on('error', () => undefined);
    this.journal = new OutboxJournal(
      path.resolve(config.DATA_DIR, 'outbox.jsonl'),
      { messages: config.BUFFER_LIMIT, bytes: config.BUFFER_LIMIT_BYTES },
      (message) => this.sign(stripSignature(message)),
    );
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
    return this.journal.size;
  }

  get bufferedBytes(): number {
    return this.journal.bytes;
  }

  get dropped(): number {
    return this.journal.dropped;
  }

  get observationsLost(): number {
    return this.journal.observationsLost;
  }

  /** The highest forecast seq this crossing has ever journalled (a restart continues after it). */
  highestSeqFor(crossingId: string): number | null {
    return this.journal.highestSeqFor(crossingId);
  }

  publishForecast(unsigned: UnsignedForecastMessage): void {
    const message = this.sign(unsigned);
    const drops = this.journal.append(message, this.inFlight);
    for (const drop of drops) {
      if (this.journal.dropped === 1 || this.journal.dropped % 1000 === 0 || drop.observationsLost > 0) {
        this.logger.warn(
          `outbox full (${this.config.BUFFER_LIMIT} forecasts / ${this.config.BUFFER_LIMIT_BYTES} bytes): dropped ${drop.dropped}` +
            (drop.carriedInto ? `, its observations carried by ${drop.carriedInto}` : '') +
            (drop.observationsLost ? `; ${drop.observationsLost} observed interval(s) lost` : '') +
            ` (${this.journal.dropped} dropped so far)`,
        );
      }
    }
    void this.drain();
  }

  /** Heartbeats are not buffered: only the newest one matters. */
  async publishHeartbeat(heartbeat: UnsignedHeartbeatMessage): Promise<void> {
    if (this.connection.status !== 'ready') return;
    await this.heartbeats.add('heartbeat', this.sign(heartbeat), { removeOnComplete: true, removeOnFail: 1000 }).catch(() => undefined);
  }

  /**
   * A model snapshot for federated warm start (after each full training). Not journalled:
   * only the newest matters, and the next training sends another. Returns whether Redis took it.
   */
  async publishSnapshot(message: UnsignedModelSnapshotMessage): Promise<boolean> {
    if (this.connection.status !== 'ready') return false;
    const signed = this.sign(message);
    const jobId = `${message.crossingId}_v${message.modelVersion}_${Date.parse(message.sentAt)}`;
    return this.snapshots
      .add('snapshot', signed, { jobId, attempts: 5, backoff: { type: 'exponential', delay: 1000 }, removeOnComplete: true })
      .then(() => true)
      .catch((error: Error) => {
        this.logger.warn(`${message.crossingId}: model snapshot not sent (${error.message}); the next training sends another`);
        return false;
      });
  }

  /** Waits until everything buffered has been handed to Redis (or the timeout passes). */
  async flush(timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (this.journal.size > 0 && Date.now() < deadline) await sleep(50);
    return this.journal.size === 0;
  }

  private async drain(): Promise<void> {
    if (this.draining) return;
    this.draining = true;
    let backoffMs = 250;
    try {
      for (let message = this.journal.first(); message && !this.closed; message = this.journal.first()) {
        this.inFlight = message.messageId;
        try {
          await this.forecasts.add('forecast', message, {
            jobId: message.messageId.replace(/:/g, '_'),
            // A database outage must not use up the attempts: fusion retries with a backoff
            // capped at 30 s (FORECAST_BACKOFF), so 10,000 attempts outlast days of outage.
            attempts: 10_000,
            backoff: { type: FORECAST_BACKOFF },
          });
          this.journal.ack(message.messageId);
          this.sent++;
          backoffMs = 250;
        } catch (error) {
          if (this.closed) break;
          this.logger.warn(`forecast not sent yet (${(error as Error).message}); retrying in ${backoffMs} ms, ${this.journal.size} buffered`);
          await sleep(backoffMs);
          backoffMs = Math.min(backoffMs * 2, 10_000);
        }
      }
    } finally {
      this.inFlight = null;
      this.draining = false;
    }
  }

  /** At shutdown: give Redis a few seconds to take what is buffered; the rest stays in the journal. */
  async drainOrPersist(timeoutMs: number): Promise<void> {
    const sentAll = await this.flush(timeoutMs);
    this.closed = true;
    if (!sentAll) this.logger.warn(`Redis unreachable at shutdown: ${this.journal.size} forecasts kept in ${this.journal.file} for the next start`);
  }

  /**
   * Replays the journal (forecasts a previous run had not handed to Redis, in order) and
   * starts sending them, ahead of new ones. Also takes over an `outbox.json` written by an
   * older version at shutdown.
   */
  async restoreOutbox(): Promise<number> {
    const pending = this.journal.open();
    const legacyFile = path.resolve(this.config.DATA_DIR, 'outbox.json');
    let legacy: ForecastMessage[] | null = null;
    try {
      legacy = await readJson<ForecastMessage[]>(legacyFile);
    } catch (error) {
      this.logger.warn(`old outbox unreadable, ignored: ${(error as Error).message}`);
    }
    for (const message of legacy ?? []) this.journal.append(message, null);
    await fs.rm(legacyFile, { force: true });
    void this.drain();
    return pending + (legacy?.length ?? 0);
  }

  async onApplicationShutdown(): Promise<void> {
    this.closed = true;
    await Promise.allSettled([this.forecasts.close(), this.heartbeats.close(), this.snapshots.close()]);
    this.connection.disconnect();
    this.journal.close();
  }
}

function stripSignature(message: ForecastMessage): UnsignedForecastMessage {
  const { sig: _sig, ...unsigned } = message;
  return unsigned;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
