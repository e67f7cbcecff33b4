import { Inject, Injectable, OnApplicationShutdown } from '@nestjs/common';
import IORedis from 'ioredis';
import { WARM_START_FIELDS, verifyPublishedWarmStart, warmStartKey } from '@crosscast/contracts';
import { FEDERATED_FORMAT, FederatedArchitecture, FederatedSnapshot, snapshotProblems } from '@crosscast/forecasting';
import { WORKER_KEYS, WorkerKeys, redisConnectionOptions } from '@crosscast/runtime';
import { EDGE_CONFIG, EdgeWorkerConfig } from '../config';
import type { WarmStartFetch } from '../crossing-worker';

const READ_TIMEOUT_MS = 10_000;

/**
 * Reads the city's warm start from Redis (REDIS_URL, the city link the worker already
 * has; fusion publishes it there, see libs/contracts `warmStartKey`): one HMGET of the
 * payload and of the signature fusion made for this crossing with its key. Nothing is
 * used unless that signature verifies over the exact bytes read, the payload is a warm
 * start, and its snapshot fits this worker's architecture (snapshotProblems).
 * Its own connection, opened at the first read, that fails a read rather than waiting:
 * the read runs in the training slot.
 */
@Injectable()
export class WarmStartClientRepository implements OnApplicationShutdown {
  private connection: IORedis | null = null;

  constructor(
    @Inject(EDGE_CONFIG) private readonly config: EdgeWorkerConfig,
    @Inject(WORKER_KEYS) private readonly keys: WorkerKeys,
  ) {}

  get enabled(): boolean {
    return this.config.WARM_START;
  }

  async fetch(crossingId: string, architecture: FederatedArchitecture): Promise<WarmStartFetch> {
    const key = this.keys.keyFor(crossingId);
    if (!key) return { status: 'refused', reason: `no key for crossing ${crossingId} to check fusion's signature with` };
    const entry = warmStartKey(this.config.QUEUE_PREFIX, FEDERATED_FORMAT, architecture);
    const [payload, signature] = await this.redis().hmget(entry, WARM_START_FIELDS.payload, WARM_START_FIELDS.signature(crossingId));
    const reading = verifyPublishedWarmStart({ payload, signature }, crossingId, key);
    if (reading.status === 'unpublished') return { status: 'unavailable', reason: `${reading.reason} at ${entry}` };
    if (reading.status === 'refused') return { status: 'refused', reason: `${entry}: ${reading.reason}` };
    const snapshot = reading.warmStart.snapshot as FederatedSnapshot;
    const problems = snapshotProblems(snapshot, architecture);
    if (problems.length) return { status: 'refused', reason: `${entry}: unusable snapshot: ${problems.slice(0, 3).join('; ')}` };
    return { status: 'received', snapshot, contributors: reading.warmStart.contributors, publishedAt: reading.warmStart.publishedAt };
  }

  private redis(): IORedis {
    if (!this.connection) {
      this.connection = new IORedis({ ...redisConnectionOptions(this.config.REDIS_URL), maxRetriesPerRequest: 1, connectTimeout: READ_TIMEOUT_MS, commandTimeout: READ_TIMEOUT_MS });
      this.connection.on('error', () => undefined);
    }
    return this.connection;
  }

  onApplicationShutdown(): void {
    this.connection?.disconnect();
    this.connection = null;
  }
}
