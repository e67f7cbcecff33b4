import { Inject, Injectable, OnApplicationShutdown } from '@nestjs/common';
import { Queue, Worker, Processor, WorkerOptions } from 'bullmq';
import IORedis from 'ioredis';
import { FORECAST_QUEUE, HEARTBEAT_QUEUE } from '@crosscast/contracts';
import { redisConnectionOptions } from '@crosscast/runtime';
import { FUSION_CONFIG, FusionConfig } from '../config';

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

  constructor(@Inject(FUSION_CONFIG) private readonly config: FusionConfig) {
    // Workers block on Redis: they need maxRetriesPerRequest null to survive reconnects.
    this.connection = new IORedis({ ...redisConnectionOptions(config.REDIS_URL), maxRetriesPerRequest: null, lazyConnect: false });
    this.connection.on('error', () => undefined);
  }

  queue(name: typeof FORECAST_QUEUE | typeof HEARTBEAT_QUEUE): Queue {
    let queue = this.queues.get(name);
    if (!queue) {
      queue = new Queue(name, { connection: this.connection, prefix: this.config.QUEUE_PREFIX });
      this.queues.set(name, queue);
    }
    return queue;
  }

  startWorker(name: string, processor: Processor, options: Partial<WorkerOptions> = {}): Worker {
    const worker = new Worker(name, processor, {
      connection: this.connection,
      prefix: this.config.QUEUE_PREFIX,
      autorun: true,
      // Failed jobs are evidence of bad input: keep them (bounded), never drop them.
      removeOnComplete: { count: 1000 },
      removeOnFail: { count: 10000 },
      ...options,
    });
    worker.on('error', () => undefined);
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
