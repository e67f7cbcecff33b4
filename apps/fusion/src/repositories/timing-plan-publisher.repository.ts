import { Inject, Injectable, OnApplicationShutdown } from '@nestjs/common';
import { Queue } from 'bullmq';
import IORedis from 'ioredis';
import { TIMING_PLAN_QUEUE, TimingPlanMessage, signMessage, timingPlanJobId } from '@crosscast/contracts';
import { SIMULATOR_LINK_KEY, redisConnectionOptions } from '@crosscast/runtime';
import { FUSION_CONFIG, FusionConfig } from '../config';

const PUBLISH_TIMEOUT_MS = 3000;

/**
 * Producer of the timing-plan queue (fusion → simulator). It runs behind an HTTP request,
 * so its Redis connection fails fast instead of waiting for Redis to come back; an
 * unpublished plan is retried by DecisionService. Every plan is signed with the simulator
 * link key, and its job id is derived from the plan id with that key (timingPlanJobId):
 * a retry does not queue the same plan twice, and nobody without the key can place a job
 * under that id first.
 */
@Injectable()
export class TimingPlanPublisher implements OnApplicationShutdown {
  private readonly connection: IORedis;
  private readonly queue: Queue;

  constructor(
    @Inject(FUSION_CONFIG) config: FusionConfig,
    @Inject(SIMULATOR_LINK_KEY) private readonly linkKey: Buffer,
  ) {
    this.connection = new IORedis({ ...redisConnectionOptions(config.REDIS_URL), maxRetriesPerRequest: 1, connectTimeout: PUBLISH_TIMEOUT_MS });
    this.connection.on('error', () => undefined);
    this.queue = new Queue(TIMING_PLAN_QUEUE, {
      connection: this.connection,
      prefix: config.QUEUE_PREFIX,
      // Keep delivered plans (bounded) as the record of what was sent.
      defaultJobOptions: { attempts: 5, backoff: { type: 'exponential', delay: 1000 }, removeOnComplete: { count: 1000 }, removeOnFail: { count: 10000 } },
    });
    this.queue.on('error', () => undefined);
  }

  async publish(message: TimingPlanMessage): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`Redis did not take the plan within ${PUBLISH_TIMEOUT_MS} ms`)), PUBLISH_TIMEOUT_MS);
    });
    try {
      const signed = signMessage(message, this.linkKey);
      await Promise.race([this.queue.add('timing-plan', signed, { jobId: this.jobIdOf(message.planId) }), timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** The queue's job id for a plan (tests and operators look plans up by it). */
  jobIdOf(planId: string): string {
    return timingPlanJobId(planId, this.linkKey);
  }

  async onApplicationShutdown(): Promise<void> {
    await this.queue.close().catch(() => undefined);
    this.connection.disconnect();
  }
}
