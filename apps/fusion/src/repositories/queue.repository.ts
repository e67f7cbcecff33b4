import { Inject, Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import { Job, JobJsonRaw, Queue, Worker, Processor, WorkerOptions } from 'bullmq';
import IORedis from 'ioredis';
import { FORECAST_QUEUE, HEARTBEAT_QUEUE } from '@crosscast/contracts';
import { redisConnectionOptions } from '@crosscast/runtime';
import { FUSION_CONFIG, FusionConfig } from '../config';

/**
 * A job whose stored data (or options) is not JSON reaches the processor as
 * `{ [UNPARSABLE_JOB_DATA]: <the raw text> }` instead of throwing inside BullMQ, where it
 * would leave the job in `active` and surface only as a worker 'error'.
 */
export const UNPARSABLE_JOB_DATA = '__unparsableJobData';
const MAX_RAW_KEPT = 16_000;

export function unparsableJobData(data: unknown): string | null {
  if (!data || typeof data !== 'object' || !(UNPARSABLE_JOB_DATA in data)) return null;
  return String((data as Record<string, unknown>)[UNPARSABLE_JOB_DATA]);
}

/** A worker error's message without the job it names, so that one kind is logged once in a row. */
export function workerErrorKind(message: string): string {
  return message.replace(/\bjob \S+ /g, 'job … ');
}

/** What an operator should know about a worker error kind that looks worse than it is (empty for the rest). */
export function explainWorkerError(kind: string): string {
  if (kind.startsWith('Missing lock for job … moveToFinished') || kind.startsWith('Missing key for job … moveToDelayed')) {
    return ' (more of this kind in a row are not logged; after a Redis restart this is a job completed just before it, whose completion ioredis sent again: nothing is lost or stored twice; otherwise a job whose lock lapsed, fetched again, and the store is idempotent)';
  }
  return '';
}

/** The JSON each job's data was parsed from, while the job lives (takeReceivedText). */
const receivedTexts = new WeakMap<Job, string>();

/**
 * The JSON text a fetched job's data was parsed from, once (it is forgotten as it is
 * taken); undefined for a job BullMQ could not parse or one not fetched by these workers.
 */
export function takeReceivedText(job: Job): string | undefined {
  const text = receivedTexts.get(job);
  receivedTexts.delete(job);
  return text;
}

/**
 * BullMQ's Worker, except that a job it cannot parse becomes a job the processor can refuse,
 * and that `onFetched` (when given) hears of each job as soon as it is fetched (moved to
 * active, locked for this worker), before the worker hands it to the processor.
 */
class ParseTolerantWorker extends Worker {
  onFetched: ((job: Job) => void) | null = null;

  protected override async nextJobFromJobData(jobData?: JobJsonRaw, jobId?: string, token?: string): Promise<Job> {
    const job = await super.nextJobFromJobData(jobData, jobId, token);
    if (job && this.onFetched) this.onFetched(job);
    return job;
  }

  protected override createJob(raw: JobJsonRaw, jobId: string): Job {
    try {
      const job = super.createJob(raw, jobId);
      receivedTexts.set(job, raw.data);
      return job;
    } catch {
      const isJson = (text: string | undefined) => {
        try {
          JSON.parse(text || '{}');
          return true;
        } catch {
          return false;
        }
      };
      const what = !isJson(raw.data) ? String(raw.data) : !isJson(raw.opts) ? `options: ${String(raw.opts)}` : 'job fields (progress, return value or parent)';
      // Options we cannot read fall back to none: the job is refused anyway.
      const opts = isJson(raw.opts) ? raw.opts : '{}';
      const data = JSON.stringify({ [UNPARSABLE_JOB_DATA]: what.slice(0, MAX_RAW_KEPT) });
      return super.createJob({ ...raw, data, opts, progress: '0', returnvalue: 'null', parent: undefined } as JobJsonRaw, jobId);
    }
  }
}

/**
 * The fusion service's one door to Redis: the BullMQ queues it reads, the workers that
 * consume them, and a plain client for health checks. Closes workers, then queues, then
 * connections on shutdown.
 */
@Injectable()
export class QueueRepository implements OnApplicationShutdown {
  private readonly connection: IORedis;
  private readonly queues = new Map<string, Queue>();
  private readonly workers: Worker[] = [];
  private readonly logger = new Logger(QueueRepository.name);
  private lastWorkerErrorKind = '';

  constructor(@Inject(FUSION_CONFIG) private readonly config: FusionConfig) {
    // Workers block on Redis: they need maxRetriesPerRequest null to survive reconnects.
    this.connection = new IORedis({ ...redisConnectionOptions(config.REDIS_URL), maxRetriesPerRequest: null, lazyConnect: false });
    this.connection.on('error', () => undefined);
  }

  /**
   * When the oldest job still waiting or running on the queue was enqueued (ms; its
   * producer's clock), or null when nothing is pending: everything enqueued before it has
   * been consumed (the queue is first in, first out).
   */
  async oldestPendingEnqueuedAtMs(name: typeof FORECAST_QUEUE | typeof HEARTBEAT_QUEUE): Promise<number | null> {
    const queue = this.queue(name);
    // One oldest job of each list (getJobs in ascending order: the tail of BullMQ's lists).
    const [waiting, paused, active] = await Promise.all([queue.getJobs(['wait'], 0, 0, true), queue.getJobs(['paused'], 0, 0, true), queue.getJobs(['active'], 0, 0, true)]);
    const times = [...waiting, ...paused, ...active].filter((job) => job && Number.isFinite(job.timestamp)).map((job) => job.timestamp);
    return times.length ? Math.min(...times) : null;
  }

  queue(name: typeof FORECAST_QUEUE | typeof HEARTBEAT_QUEUE): Queue {
    let queue = this.queues.get(name);
    if (!queue) {
      queue = new Queue(name, { connection: this.connection, prefix: this.config.QUEUE_PREFIX });
      this.queues.set(name, queue);
    }
    return queue;
  }

  /**
   * `onFetched`: called with each job as soon as the worker has fetched it. A BullMQ worker
   * fetches one job per round trip and starts none before it has fetched all its
   * concurrency allows (or the queue is empty): a burst of 1,024 forecasts waited for the
   * last to be fetched before the first was checked. A consumer may start on a job here
   * and have its processor finish the same work (QueueConsumers does, for forecasts).
   */
  startWorker(name: string, processor: Processor, options: Partial<WorkerOptions> = {}, onFetched?: (job: Job) => void): Worker {
    const worker = new ParseTolerantWorker(name, processor, {
      connection: this.connection,
      prefix: this.config.QUEUE_PREFIX,
      autorun: true,
      // Failed jobs are evidence of bad input: keep them (bounded), never drop them.
      removeOnComplete: { count: 1000 },
      removeOnFail: { count: 10000 },
      // A job left locked to nobody returns to the queue within about twice this (JOB_LOCK_SECONDS).
      lockDuration: this.config.JOB_LOCK_SECONDS * 1000,
      stalledInterval: this.config.JOB_LOCK_SECONDS * 500,
      ...options,
    });
    if (onFetched) worker.onFetched = onFetched;
    // Connection errors repeat while Redis is away (health reports that), and a restart can
    // leave one "Missing lock" per job whose completion was sent again: log each kind once
    // in a row.
    worker.on('error', (error) => {
      const kind = workerErrorKind(error.message);
      if (kind === this.lastWorkerErrorKind) return;
      this.lastWorkerErrorKind = kind;
      this.logger.warn(`${name} worker: ${error.message}${explainWorkerError(kind)}`);
    });
    this.workers.push(worker);
    return worker;
  }

  async ping(): Promise<string> {
    return this.connection.ping();
  }

  async onApplicationShutdown(): Promise<void> {
    await Promise.allSettled(this.workers.map((w) => w.close()));
    await Promise.allSettled([...this.queues.values()].map((q) => q.close()));
    this.connection.disconnect();
  }
}
